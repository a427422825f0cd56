//! RFC 4028 session timers: who refreshes, when, and when the session dies.

use std::time::{Duration, Instant};

use crate::header::{Refresher, SessionExpires};
use crate::message::{Request, Response};
use crate::timer::deadline;

/// The session timer of an established dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SessionTimer {
    /// The session interval in seconds.
    pub(crate) interval: u32,
    /// Whether we send the refreshes (otherwise the peer must).
    pub(crate) we_refresh: bool,
}

fn requires_timer(headers: &crate::message::Headers) -> bool {
    headers
        .require()
        .ok()
        .is_some_and(|tags| tags.iter().any(|t| t.eq_ignore_ascii_case("timer")))
}

impl SessionTimer {
    /// Reads a 2xx to a request we sent with Session-Expires (RFC 4028
    /// 7.2): no Session-Expires means no session expiration; without
    /// `Require: timer` the peer does not do session timers (a proxy asked
    /// for them) and we refresh; otherwise `refresher` decides (uac: us).
    pub(crate) fn from_response_as_uac(resp: &Response) -> Option<SessionTimer> {
        let se = resp.headers.session_expires().ok().flatten()?;
        if se.delta == 0 {
            return None;
        }
        let we_refresh =
            !requires_timer(&resp.headers) || se.refresher.is_none_or(|r| r == Refresher::Uac);
        Some(SessionTimer {
            interval: se.delta,
            we_refresh,
        })
    }

    /// Reads a refresh request the peer sent (RFC 4028 9). `Err(min_se)`:
    /// its interval is below our minimum, answer 422 with that Min-SE.
    /// Otherwise the timer and the Session-Expires for our 2xx: the peer
    /// refreshes unless it asked us to (`refresher=uas`).
    pub(crate) fn from_request_as_uas(
        req: &Request,
        min_se: u32,
    ) -> Result<Option<(SessionTimer, SessionExpires)>, u32> {
        let Some(se) = req.headers.session_expires().ok().flatten() else {
            return Ok(None);
        };
        if se.delta < min_se {
            return Err(min_se);
        }
        let refresher = se.refresher.unwrap_or(Refresher::Uac);
        Ok(Some((
            SessionTimer {
                interval: se.delta,
                we_refresh: refresher == Refresher::Uas,
            },
            SessionExpires::new(se.delta, Some(refresher)),
        )))
    }

    /// When the refresher sends its refresh: half the interval from `now`
    /// (`None`: beyond what an [`Instant`] holds, never).
    pub(crate) fn refresh_at(&self, now: Instant) -> Option<Instant> {
        deadline(now, Duration::from_secs(u64::from(self.interval)) / 2)
    }

    /// When the session is given up without a refresh: the interval minus
    /// the smaller of 32 s and a third of it (RFC 4028 10).
    /// `None`: beyond what an [`Instant`] holds, never.
    pub(crate) fn expiry_at(&self, now: Instant) -> Option<Instant> {
        let interval = Duration::from_secs(u64::from(self.interval));
        deadline(now, interval - (interval / 3).min(Duration::from_secs(32)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(extra: &str) -> Response {
        Response::parse(format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n{extra}Content-Length: 0\r\n\r\n"
        ))
        .unwrap()
    }

    #[test]
    fn uac_roles() {
        assert_eq!(SessionTimer::from_response_as_uac(&ok("")), None);
        let uas = ok("Require: timer\r\nSession-Expires: 1800;refresher=uas\r\n");
        assert_eq!(
            SessionTimer::from_response_as_uac(&uas),
            Some(SessionTimer {
                interval: 1800,
                we_refresh: false
            })
        );
        let uac = ok("Require: timer\r\nSession-Expires: 900;refresher=uac\r\n");
        assert!(SessionTimer::from_response_as_uac(&uac).unwrap().we_refresh);
        let proxy_inserted = ok("Session-Expires: 900;refresher=uas\r\n");
        assert!(
            SessionTimer::from_response_as_uac(&proxy_inserted)
                .unwrap()
                .we_refresh
        );
    }

    #[test]
    fn deadlines() {
        let t0 = Instant::now();
        let st = SessionTimer {
            interval: 1800,
            we_refresh: true,
        };
        assert_eq!(st.refresh_at(t0), Some(t0 + Duration::from_secs(900)));
        assert_eq!(st.expiry_at(t0), Some(t0 + Duration::from_secs(1768)));
        let short = SessionTimer {
            interval: 90,
            we_refresh: false,
        };
        assert_eq!(short.expiry_at(t0), Some(t0 + Duration::from_secs(60)));
    }
}
