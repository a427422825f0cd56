//! What the demo runs: how many contacts, the simulator's seed and
//! proportions, how long each call talks, and the rates it compares.

use std::time::Duration;

use crate::billing::{Micros, Tariff};
use crate::sim::{OutcomePlan, OutcomeWeights};

use super::error::DemoError;

/// The demo's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    /// The simulator's seed: with the number, it decides each call's outcome.
    pub seed: u64,
    /// Contacts in the batch (numbers `+60123450001` and up).
    pub contacts: usize,
    /// Calls in flight at once (the trunk's `max_concurrent_calls`, also
    /// its calls per second).
    pub concurrency: u32,
    /// The simulator's proportions of answered, busy, unanswered and
    /// unavailable calls.
    pub weights: OutcomeWeights,
    /// How long the echo bot talks before it hangs up.
    pub talk: Duration,
    /// The trunk's price per minute (credits, shown as dollars).
    pub trunk_rate_per_minute: f64,
    /// Twilio's price per minute for the comparison.
    pub twilio_rate_per_minute: f64,
    /// Talk time is billed in whole multiples of this many seconds.
    pub billing_increment_seconds: u32,
}

impl Default for DemoConfig {
    /// Seed 1, 20 contacts, 10 at once, the simulator's default proportions
    /// (70 % answered, 10 % each busy, no answer, unavailable), 5 s of talk,
    /// $0.01/min on the trunk against Twilio's $0.02/min (DESIGN.md §4),
    /// billed per started minute.
    fn default() -> Self {
        DemoConfig {
            seed: 1,
            contacts: 20,
            concurrency: 10,
            weights: OutcomeWeights::default(),
            talk: Duration::from_secs(5),
            trunk_rate_per_minute: 0.01,
            twilio_rate_per_minute: 0.02,
            billing_increment_seconds: 60,
        }
    }
}

/// The simulator's greeting at the start of each answered call.
pub(super) const SIM_GREETING: Duration = Duration::from_millis(1500);
/// The caller ID of the demo trunk.
pub(super) const CALLER_ID: &str = "+60123456789";
/// The first contact's number; the others follow it.
const FIRST_CONTACT: u64 = 60_123_450_001;

fn setting(flag: &'static str, problem: &str) -> DemoError {
    DemoError::Setting {
        flag,
        problem: problem.to_owned(),
    }
}

impl DemoConfig {
    /// Checks the settings; the error names the flag at fault.
    pub fn validate(&self) -> Result<(), DemoError> {
        if !(1..=1000).contains(&self.contacts) {
            return Err(setting("contacts", "give 1 to 1000 contacts"));
        }
        if !(1..=100).contains(&self.concurrency) {
            return Err(setting("concurrency", "give 1 to 100 calls at once"));
        }
        if self.talk.is_zero() || self.talk > Duration::from_secs(600) {
            return Err(setting(
                "talk-seconds",
                "give more than 0 and at most 600 seconds",
            ));
        }
        for (flag, rate) in [
            ("trunk-rate-per-minute", self.trunk_rate_per_minute),
            ("twilio-rate-per-minute", self.twilio_rate_per_minute),
        ] {
            if !rate.is_finite() || !(0.0..=1000.0).contains(&rate) {
                return Err(setting(flag, "give a price from 0 to 1000 per minute"));
            }
        }
        if !(1..=3600).contains(&self.billing_increment_seconds) {
            return Err(setting("billing-increment", "give 1 to 3600 seconds"));
        }
        self.plan().validate().map_err(|e| DemoError::Setting {
            flag: "answer, --busy, --no-answer, --unavailable",
            problem: e.to_string(),
        })
    }

    /// The simulator's outcome plan: the seed, the proportions, no rules,
    /// and the default ring of 0.5 to 3 s. `plan().predict(number)` is what
    /// the batch must give.
    pub fn plan(&self) -> OutcomePlan {
        OutcomePlan {
            seed: self.seed,
            weights: self.weights,
            ..OutcomePlan::default()
        }
    }

    /// The numbers called, in order: `+60123450001`, `+60123450002`, ...
    pub fn numbers(&self) -> Vec<String> {
        (0..self.contacts as u64)
            .map(|i| format!("+{}", FIRST_CONTACT + i))
            .collect()
    }

    /// How long the engine lets a call ring before it cancels it: the
    /// longest ring the simulator may give, plus 2 s.
    pub fn ring_timeout(&self) -> Duration {
        self.plan().ring_max + Duration::from_secs(2)
    }

    /// The batch's `max_duration_seconds`: a bound well above the talk time
    /// (the bot hangs up first).
    pub fn max_duration_seconds(&self) -> u32 {
        u32::try_from(self.talk.as_secs()).unwrap_or(600) + 30
    }

    /// The trunk's tariff.
    pub fn trunk_tariff(&self) -> Tariff {
        tariff(self.trunk_rate_per_minute, self.billing_increment_seconds)
    }

    /// Twilio's tariff for the comparison, with the same increment.
    pub fn twilio_tariff(&self) -> Tariff {
        tariff(self.twilio_rate_per_minute, self.billing_increment_seconds)
    }

    /// Credits the demo user gets: every call's reservation, plus one credit.
    pub fn credits(&self) -> f64 {
        let reservation = self
            .trunk_tariff()
            .reservation(u64::from(self.max_duration_seconds()));
        Micros(reservation.0.saturating_mul(self.contacts as i64)).as_credits() + 1.0
    }
}

fn tariff(rate_per_minute: f64, increment_seconds: u32) -> Tariff {
    Tariff {
        rate_per_minute: Micros::from_credits(rate_per_minute).unwrap_or_default(),
        increment_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_numbers_follow_each_other() {
        let c = DemoConfig::default();
        assert!(c.validate().is_ok());
        let numbers = c.numbers();
        assert_eq!(numbers.len(), 20);
        assert_eq!(numbers[0], "+60123450001");
        assert_eq!(numbers[19], "+60123450020");
        assert_eq!(c.ring_timeout(), Duration::from_secs(5));
        assert_eq!(c.max_duration_seconds(), 35);
        assert!(c.credits() > 20.0 * 0.01);
    }

    #[test]
    fn bad_settings_name_their_flag() {
        let bad = [
            DemoConfig {
                contacts: 0,
                ..DemoConfig::default()
            },
            DemoConfig {
                concurrency: 101,
                ..DemoConfig::default()
            },
            DemoConfig {
                talk: Duration::ZERO,
                ..DemoConfig::default()
            },
            DemoConfig {
                twilio_rate_per_minute: f64::NAN,
                ..DemoConfig::default()
            },
            DemoConfig {
                billing_increment_seconds: 0,
                ..DemoConfig::default()
            },
            DemoConfig {
                weights: OutcomeWeights {
                    answer: 0.0,
                    busy: 0.0,
                    no_answer: 0.0,
                    unavailable: 0.0,
                },
                ..DemoConfig::default()
            },
        ];
        let flags: Vec<String> = bad
            .iter()
            .map(|c| match c.validate() {
                Err(DemoError::Setting { flag, .. }) => flag.to_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            flags,
            [
                "contacts",
                "concurrency",
                "talk-seconds",
                "twilio-rate-per-minute",
                "billing-increment",
                "answer, --busy, --no-answer, --unavailable"
            ]
        );
    }
}
