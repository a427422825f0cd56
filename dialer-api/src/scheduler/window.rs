//! Whether a batch's daily calling window is open at an instant, in the window's time zone.

use super::model::{CallingWindow, Day};
use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// A calling window with its times and zone parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedWindow {
    days: Vec<Weekday>,
    from: NaiveTime,
    to: NaiveTime,
    zone: Tz,
}

/// Why a calling window is invalid; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// `from` or `to` is not `HH:MM`.
    #[error("{field}: '{value}' is not a time of day as HH:MM")]
    BadTime {
        /// `from` or `to`.
        field: &'static str,
        /// The text given.
        value: String,
    },
    /// Unknown time zone.
    #[error("time_zone: '{0}' is not an IANA time zone such as Asia/Kuala_Lumpur")]
    BadZone(String),
    /// `from` equals `to`.
    #[error("to: the window closes when it opens ({0}); give different times")]
    Empty(String),
}

impl WindowError {
    /// The field at fault, relative to the window.
    pub fn field(&self) -> &'static str {
        match self {
            WindowError::BadTime { field, .. } => field,
            WindowError::BadZone(_) => "time_zone",
            WindowError::Empty(_) => "to",
        }
    }
}

fn weekday(day: Day) -> Weekday {
    match day {
        Day::Mon => Weekday::Mon,
        Day::Tue => Weekday::Tue,
        Day::Wed => Weekday::Wed,
        Day::Thu => Weekday::Thu,
        Day::Fri => Weekday::Fri,
        Day::Sat => Weekday::Sat,
        Day::Sun => Weekday::Sun,
    }
}

impl ParsedWindow {
    /// Parses and checks a window.
    pub fn parse(window: &CallingWindow) -> Result<Self, WindowError> {
        let time = |field: &'static str, value: &str| {
            NaiveTime::parse_from_str(value, "%H:%M").map_err(|_| WindowError::BadTime {
                field,
                value: value.to_owned(),
            })
        };
        let from = time("from", &window.from)?;
        let to = time("to", &window.to)?;
        if from == to {
            return Err(WindowError::Empty(window.from.clone()));
        }
        let zone: Tz = window
            .time_zone
            .parse()
            .map_err(|_| WindowError::BadZone(window.time_zone.clone()))?;
        let days = if window.days.is_empty() {
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ]
        } else {
            window.days.iter().copied().map(weekday).collect()
        };
        Ok(Self {
            days,
            from,
            to,
            zone,
        })
    }

    /// Whether calls may start at `now`. A window past midnight (`from` later than `to`) belongs
    /// to the day on which it opens.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.zone);
        let t = local.time();
        let today = local.weekday();
        if self.from < self.to {
            self.days.contains(&today) && t >= self.from && t < self.to
        } else {
            (self.days.contains(&today) && t >= self.from)
                || (self.days.contains(&today.pred()) && t < self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window(days: &[Day], from: &str, to: &str, tz: &str) -> ParsedWindow {
        ParsedWindow::parse(&CallingWindow {
            days: days.to_vec(),
            from: from.into(),
            to: to.into(),
            time_zone: tz.into(),
        })
        .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn office_hours_in_kuala_lumpur() {
        // 2026-11-23 is a Monday. Kuala Lumpur is UTC+8.
        let w = window(&[Day::Mon, Day::Fri], "09:00", "18:00", "Asia/Kuala_Lumpur");
        assert!(!w.is_open(utc(2026, 11, 23, 0, 59))); // 08:59 local
        assert!(w.is_open(utc(2026, 11, 23, 1, 0))); // 09:00 local
        assert!(w.is_open(utc(2026, 11, 23, 9, 59))); // 17:59 local
        assert!(!w.is_open(utc(2026, 11, 23, 10, 0))); // 18:00 local
        assert!(!w.is_open(utc(2026, 11, 24, 3, 0))); // Tuesday 11:00 local
    }

    #[test]
    fn overnight_window_belongs_to_its_opening_day() {
        let w = window(&[Day::Fri], "22:00", "02:00", "UTC");
        // 2026-11-27 is a Friday.
        assert!(w.is_open(utc(2026, 11, 27, 23, 0)));
        assert!(w.is_open(utc(2026, 11, 28, 1, 0))); // Saturday 01:00, Friday's window
        assert!(!w.is_open(utc(2026, 11, 28, 2, 0)));
        assert!(!w.is_open(utc(2026, 11, 28, 23, 0))); // Saturday night
    }

    #[test]
    fn daylight_saving_time_is_followed() {
        let w = window(&[], "09:00", "10:00", "Europe/Berlin");
        // Winter: UTC+1; summer: UTC+2.
        assert!(w.is_open(utc(2026, 1, 15, 8, 30)));
        assert!(!w.is_open(utc(2026, 7, 15, 8, 30)));
        assert!(w.is_open(utc(2026, 7, 15, 7, 30)));
    }

    #[test]
    fn bad_windows_name_the_field() {
        let bad = |from: &str, to: &str, tz: &str| {
            ParsedWindow::parse(&CallingWindow {
                days: vec![],
                from: from.into(),
                to: to.into(),
                time_zone: tz.into(),
            })
            .unwrap_err()
            .field()
        };
        assert_eq!(bad("9am", "10:00", "UTC"), "from");
        assert_eq!(bad("09:00", "25:00", "UTC"), "to");
        assert_eq!(bad("09:00", "10:00", "Mars/Olympus"), "time_zone");
        assert_eq!(bad("09:00", "09:00", "UTC"), "to");
    }
}
