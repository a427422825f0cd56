//! Credits arithmetic: amounts, per-call reservations and the settlement rule.
//!
//! Amounts are kept as integer micro-credits (1 credit = 1 000 000 units) so sums are exact on
//! every backend. A call's cost is `ceil(billable / increment) * increment * rate_per_minute / 60`,
//! rounded up to a whole micro-credit.

use serde::{Deserialize, Serialize};

/// Micro-credits in one credit.
pub const MICROS_PER_CREDIT: i64 = 1_000_000;

/// An amount of credits in micro-credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Micros(pub i64);

impl Micros {
    /// Converts a decimal credit amount (as the API carries it), rounding to the nearest micro-credit.
    /// Returns `None` for non-finite or out-of-range values.
    pub fn from_credits(credits: f64) -> Option<Self> {
        if !credits.is_finite() {
            return None;
        }
        let micros = (credits * MICROS_PER_CREDIT as f64).round();
        if micros.abs() > 1e15 {
            return None;
        }
        Some(Self(micros as i64))
    }

    /// The amount as a decimal number of credits.
    pub fn as_credits(self) -> f64 {
        self.0 as f64 / MICROS_PER_CREDIT as f64
    }
}

/// The pricing of one trunk: a rate per minute and the billing increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    /// Price of one minute of talk time.
    pub rate_per_minute: Micros,
    /// Talk time is rounded up to a multiple of this many seconds (at least 1).
    pub increment_seconds: u32,
}

impl Tariff {
    /// Cost of `billable_seconds` of talk time: whole increments, rounded up to a micro-credit.
    pub fn cost(&self, billable_seconds: u64) -> Micros {
        let increment = u64::from(self.increment_seconds.max(1));
        let billed_seconds = billable_seconds.div_ceil(increment) * increment;
        let rate = u128::try_from(self.rate_per_minute.0).unwrap_or(0);
        let micros = (u128::from(billed_seconds) * rate).div_ceil(60);
        Micros(i64::try_from(micros).unwrap_or(i64::MAX))
    }

    /// Cost of one billing increment: the least a batch needs to be accepted.
    pub fn one_increment(&self) -> Micros {
        self.cost(1)
    }

    /// Reservation taken before dialing a call that may last up to `max_duration_seconds`.
    pub fn reservation(&self, max_duration_seconds: u64) -> Micros {
        self.cost(max_duration_seconds)
    }

    /// Billable whole seconds of a talk time given in milliseconds (a started second counts).
    pub fn billable_seconds(talk_ms: u64) -> u64 {
        talk_ms.div_ceil(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tariff(rate_credits: f64, increment: u32) -> Tariff {
        Tariff {
            rate_per_minute: Micros::from_credits(rate_credits).unwrap_or_default(),
            increment_seconds: increment,
        }
    }

    #[test]
    fn cost_rounds_up_to_whole_increments() {
        let t = tariff(0.6, 6);
        assert_eq!(t.cost(0), Micros(0));
        assert_eq!(t.cost(1), Micros(60_000));
        assert_eq!(t.cost(6), Micros(60_000));
        assert_eq!(t.cost(7), Micros(120_000));
        assert_eq!(t.cost(60), Micros(600_000));
    }

    #[test]
    fn cost_per_minute_increment() {
        let t = tariff(1.0, 60);
        assert_eq!(t.cost(1), Micros(1_000_000));
        assert_eq!(t.cost(61), Micros(2_000_000));
        assert_eq!(t.one_increment(), Micros(1_000_000));
    }

    #[test]
    fn fractional_micro_credits_round_up() {
        let t = Tariff {
            rate_per_minute: Micros(7),
            increment_seconds: 1,
        };
        assert_eq!(t.cost(1), Micros(1));
        assert_eq!(t.cost(60), Micros(7));
    }

    #[test]
    fn reservation_covers_every_cost_up_to_max_duration() {
        let t = tariff(0.37, 30);
        let reserve = t.reservation(125);
        for s in 0..=125 {
            assert!(
                t.cost(s) <= reserve,
                "{s} s costs more than the reservation"
            );
        }
    }

    #[test]
    fn billable_seconds_count_started_seconds() {
        assert_eq!(Tariff::billable_seconds(0), 0);
        assert_eq!(Tariff::billable_seconds(1), 1);
        assert_eq!(Tariff::billable_seconds(1000), 1);
        assert_eq!(Tariff::billable_seconds(1001), 2);
    }

    #[test]
    fn credit_conversion() {
        assert_eq!(Micros::from_credits(1.5), Some(Micros(1_500_000)));
        assert_eq!(Micros::from_credits(f64::NAN), None);
        assert_eq!(Micros::from_credits(1e300), None);
        assert!((Micros(2_500_000).as_credits() - 2.5).abs() < 1e-12);
    }
}
