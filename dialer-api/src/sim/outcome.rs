//! What the simulator does with a dialed number: a pure function of the seed
//! and the number, so a test or `trunkline demo` can predict every call of a
//! batch whatever order the calls arrive in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;

use super::error::SimConfigError;

/// How the simulated callee treats a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// 180 Ringing for the ring time, then 200 OK with SDP, audio, BYE after
    /// the talk time (or the caller's BYE).
    Answer,
    /// 486 Busy Here at once.
    Busy,
    /// 180 Ringing, then nothing until the caller's CANCEL (487), or 480
    /// after the no-answer timeout.
    NoAnswer,
    /// 503 Service Unavailable at once.
    Unavailable,
}

impl CallOutcome {
    /// Every outcome, in the order the weights are read.
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Answer,
        CallOutcome::Busy,
        CallOutcome::NoAnswer,
        CallOutcome::Unavailable,
    ];

    /// The name used on the command line and in events.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Answer => "answer",
            CallOutcome::Busy => "busy",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::Unavailable => "unavailable",
        }
    }
}

impl fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallOutcome {
    type Err = SimConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "answer" | "answered" => Ok(CallOutcome::Answer),
            "busy" => Ok(CallOutcome::Busy),
            "no_answer" | "noanswer" => Ok(CallOutcome::NoAnswer),
            "unavailable" => Ok(CallOutcome::Unavailable),
            _ => Err(SimConfigError::UnknownOutcome(s.to_owned())),
        }
    }
}

/// The relative weight of each outcome (any non-negative numbers; they are
/// normalised, so `7, 1, 1, 1` and `0.7, 0.1, 0.1, 0.1` are the same).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeWeights {
    /// Calls answered.
    pub answer: f64,
    /// Calls refused with 486 Busy Here.
    pub busy: f64,
    /// Calls left ringing.
    pub no_answer: f64,
    /// Calls refused with 503 Service Unavailable.
    pub unavailable: f64,
}

impl Default for OutcomeWeights {
    /// 70 % answered, 10 % each busy, no answer and unavailable.
    fn default() -> Self {
        OutcomeWeights {
            answer: 0.7,
            busy: 0.1,
            no_answer: 0.1,
            unavailable: 0.1,
        }
    }
}

impl OutcomeWeights {
    fn get(&self, outcome: CallOutcome) -> f64 {
        match outcome {
            CallOutcome::Answer => self.answer,
            CallOutcome::Busy => self.busy,
            CallOutcome::NoAnswer => self.no_answer,
            CallOutcome::Unavailable => self.unavailable,
        }
    }

    /// Checks that every weight is finite and non-negative and that they do
    /// not all vanish.
    pub fn validate(&self) -> Result<(), SimConfigError> {
        for outcome in CallOutcome::ALL {
            let w = self.get(outcome);
            if !w.is_finite() || w < 0.0 {
                return Err(SimConfigError::BadWeight {
                    outcome,
                    value: w.to_string(),
                });
            }
        }
        if CallOutcome::ALL.iter().all(|o| self.get(*o) == 0.0) {
            return Err(SimConfigError::AllWeightsZero);
        }
        Ok(())
    }

    /// The outcome at `position` in `[0, 1)` of the cumulative weights.
    fn pick(&self, position: f64) -> CallOutcome {
        let total: f64 = CallOutcome::ALL.iter().map(|o| self.get(*o)).sum();
        let mut edge = 0.0;
        let mut last = CallOutcome::Answer;
        for outcome in CallOutcome::ALL {
            let w = self.get(outcome);
            if w <= 0.0 {
                continue;
            }
            edge += w / total;
            last = outcome;
            if position < edge {
                return outcome;
            }
        }
        last
    }
}

/// Which numbers an [`OutcomeRule`] covers. Numbers and patterns are compared
/// in canonical form: ASCII letters and digits only, lower-cased (so `+60 12`
/// and `6012` are the same number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "digits")]
pub enum NumberPattern {
    /// Numbers starting with these characters (written `PREFIX*`).
    Prefix(String),
    /// Numbers ending with these characters (written `*SUFFIX`).
    Suffix(String),
    /// Exactly this number.
    Exact(String),
}

impl NumberPattern {
    /// Whether `number` matches.
    pub fn matches(&self, number: &str) -> bool {
        let number = canonical_number(number);
        match self {
            NumberPattern::Prefix(p) => number.starts_with(p.as_str()),
            NumberPattern::Suffix(s) => number.ends_with(s.as_str()),
            NumberPattern::Exact(e) => number == *e,
        }
    }
}

impl FromStr for NumberPattern {
    type Err = SimConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (pattern, body) = if let Some(rest) = s.strip_suffix('*') {
            (NumberPattern::Prefix(canonical_number(rest)), rest)
        } else if let Some(rest) = s.strip_prefix('*') {
            (NumberPattern::Suffix(canonical_number(rest)), rest)
        } else {
            (NumberPattern::Exact(canonical_number(s)), s)
        };
        let empty = match &pattern {
            NumberPattern::Prefix(d) | NumberPattern::Suffix(d) | NumberPattern::Exact(d) => {
                d.is_empty()
            }
        };
        if empty || body.contains('*') {
            return Err(SimConfigError::BadRule(format!(
                "'{s}' is not PREFIX*, *SUFFIX or a number"
            )));
        }
        Ok(pattern)
    }
}

/// A fixed outcome for the numbers a pattern covers, e.g. `*1=busy`
/// (every number ending in 1 is busy) or `+6019*=answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeRule {
    /// The numbers covered.
    pub pattern: NumberPattern,
    /// What they get.
    pub outcome: CallOutcome,
}

impl FromStr for OutcomeRule {
    type Err = SimConfigError;

    /// Parses `PATTERN=OUTCOME`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (pattern, outcome) = s
            .split_once('=')
            .ok_or_else(|| SimConfigError::BadRule(format!("'{s}' is not PATTERN=OUTCOME")))?;
        Ok(OutcomeRule {
            pattern: pattern.parse()?,
            outcome: outcome.parse()?,
        })
    }
}

/// Everything that decides a call's fate: the seed, the weights, the rules
/// (first match wins, before the weights) and the ring-time range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomePlan {
    /// The seed of every per-number draw.
    pub seed: u64,
    /// Relative frequency of each outcome.
    pub weights: OutcomeWeights,
    /// Numbers with a fixed outcome.
    pub rules: Vec<OutcomeRule>,
    /// Shortest ring before an answer.
    #[serde(serialize_with = "serialize_ms")]
    pub ring_min: Duration,
    /// Longest ring before an answer.
    #[serde(serialize_with = "serialize_ms")]
    pub ring_max: Duration,
}

fn serialize_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Default for OutcomePlan {
    /// Seed 1, the default weights, no rules, ring 0.5 to 3 s.
    fn default() -> Self {
        OutcomePlan {
            seed: 1,
            weights: OutcomeWeights::default(),
            rules: Vec::new(),
            ring_min: Duration::from_millis(500),
            ring_max: Duration::from_secs(3),
        }
    }
}

/// What the simulator will do with one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Prediction {
    /// The outcome.
    pub outcome: CallOutcome,
    /// How long it rings before the answer (zero unless answered).
    #[serde(serialize_with = "serialize_ms", rename = "ring_ms")]
    pub ring: Duration,
}

impl OutcomePlan {
    /// Checks the weights, the rules and the ring range.
    pub fn validate(&self) -> Result<(), SimConfigError> {
        self.weights.validate()?;
        if self.ring_min > self.ring_max {
            return Err(SimConfigError::RingRange {
                min: self.ring_min,
                max: self.ring_max,
            });
        }
        Ok(())
    }

    /// What happens to a call to `number`: a function of the seed and the
    /// number only (never of the call order, the time or earlier calls).
    pub fn predict(&self, number: &str) -> Prediction {
        let canonical = canonical_number(number);
        let mut rng = number_rng(self.seed, &canonical);
        let draw_outcome = unit(rng.next_u64());
        let draw_ring = unit(rng.next_u64());
        let outcome = self
            .rules
            .iter()
            .find(|r| r.pattern.matches(&canonical))
            .map_or_else(|| self.weights.pick(draw_outcome), |r| r.outcome);
        let ring = if outcome == CallOutcome::Answer {
            let span = self.ring_max.saturating_sub(self.ring_min);
            let extra_ms = (span.as_millis() as f64 * draw_ring).round() as u64;
            self.ring_min + Duration::from_millis(extra_ms)
        } else {
            Duration::ZERO
        };
        Prediction { outcome, ring }
    }
}

/// The canonical form numbers are compared and hashed in: ASCII letters and
/// digits, lower-cased.
pub fn canonical_number(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A generator seeded from the plan's seed and the number (FNV-1a of the
/// canonical number), so that each number has its own fixed draws.
fn number_rng(seed: u64, canonical: &str) -> ChaCha8Rng {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in canonical.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&hash.to_le_bytes());
    key[16..16 + canonical.len().min(16)]
        .copy_from_slice(&canonical.as_bytes()[..canonical.len().min(16)]);
    ChaCha8Rng::from_seed(key)
}

/// A draw in `[0, 1)` from 53 random bits.
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(seed: u64) -> OutcomePlan {
        OutcomePlan {
            seed,
            ..OutcomePlan::default()
        }
    }

    #[test]
    fn prediction_depends_on_seed_and_number_only() {
        let p = plan(42);
        let a = p.predict("+60123456780");
        for _ in 0..3 {
            assert_eq!(p.predict("+60 12-345 6780"), a);
            assert_eq!(p.predict("60123456780"), a);
        }
        let numbers: Vec<String> = (0..200).map(|i| format!("+6012{i:07}")).collect();
        let forward: Vec<Prediction> = numbers.iter().map(|n| p.predict(n)).collect();
        let backward: Vec<Prediction> = numbers.iter().rev().map(|n| p.predict(n)).collect();
        assert!(forward.iter().eq(backward.iter().rev()));
        let other: Vec<Prediction> = numbers.iter().map(|n| plan(43).predict(n)).collect();
        assert_ne!(forward, other, "another seed gives other outcomes");
    }

    #[test]
    fn weights_set_the_proportions() {
        let p = OutcomePlan {
            weights: OutcomeWeights {
                answer: 5.0,
                busy: 3.0,
                no_answer: 0.0,
                unavailable: 2.0,
            },
            ..plan(7)
        };
        let mut counts = [0usize; 4];
        for i in 0..20_000 {
            let o = p.predict(&format!("+1555{i:07}")).outcome;
            counts[CallOutcome::ALL.iter().position(|x| *x == o).unwrap()] += 1;
        }
        assert_eq!(counts[2], 0, "a zero weight never happens");
        let share = |n: usize| n as f64 / 20_000.0;
        assert!((share(counts[0]) - 0.5).abs() < 0.02, "{counts:?}");
        assert!((share(counts[1]) - 0.3).abs() < 0.02, "{counts:?}");
        assert!((share(counts[3]) - 0.2).abs() < 0.02, "{counts:?}");
    }

    #[test]
    fn ring_time_stays_in_range_and_varies() {
        let p = plan(3);
        let rings: Vec<Duration> = (0..500)
            .map(|i| p.predict(&format!("+44{i:08}")))
            .filter(|x| x.outcome == CallOutcome::Answer)
            .map(|x| x.ring)
            .collect();
        assert!(rings.len() > 250);
        assert!(rings.iter().all(|r| *r >= p.ring_min && *r <= p.ring_max));
        let min = rings.iter().min().unwrap();
        let max = rings.iter().max().unwrap();
        assert!(*min < Duration::from_millis(700) && *max > Duration::from_millis(2800));
        let busy = OutcomePlan {
            rules: vec!["+1*=busy".parse().unwrap()],
            ..plan(3)
        };
        assert_eq!(busy.predict("+1234").ring, Duration::ZERO);
    }

    #[test]
    fn rules_come_first_in_order() {
        let p = OutcomePlan {
            rules: vec![
                "*1=busy".parse().unwrap(),
                "+6019*=no-answer".parse().unwrap(),
                "+60123=unavailable".parse().unwrap(),
            ],
            weights: OutcomeWeights {
                answer: 1.0,
                busy: 0.0,
                no_answer: 0.0,
                unavailable: 0.0,
            },
            ..plan(1)
        };
        assert_eq!(p.predict("+60190001").outcome, CallOutcome::Busy);
        assert_eq!(p.predict("+60190002").outcome, CallOutcome::NoAnswer);
        assert_eq!(p.predict("60123").outcome, CallOutcome::Unavailable);
        assert_eq!(p.predict("+601234").outcome, CallOutcome::Answer);
    }

    #[test]
    fn bad_rules_and_weights_are_refused() {
        for bad in [
            "", "=busy", "*=busy", "**1=busy", "1*2=busy", "*1=maybe", "*1",
        ] {
            assert!(bad.parse::<OutcomeRule>().is_err(), "{bad}");
        }
        let w = OutcomeWeights {
            busy: -1.0,
            ..OutcomeWeights::default()
        };
        assert!(w.validate().is_err());
        let w = OutcomeWeights {
            answer: 0.0,
            busy: 0.0,
            no_answer: 0.0,
            unavailable: 0.0,
        };
        assert_eq!(w.validate(), Err(SimConfigError::AllWeightsZero));
        let p = OutcomePlan {
            ring_min: Duration::from_secs(4),
            ..plan(1)
        };
        assert!(p.validate().is_err());
    }
}
