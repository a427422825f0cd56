//! The demo's result: one row per contact from the call log, checked
//! against the simulator's prediction, the table and the cost comparison.

use std::fmt::Write as _;
use std::time::Duration;

use crate::api::calls::CallView;
use crate::billing::Micros;
use crate::sim::{CallOutcome, Prediction};

use super::config::DemoConfig;
use super::stack::PeerReports;

/// What the call log must say for a predicted outcome: the status and the
/// INVITE's final SIP status.
pub fn expected_status(outcome: CallOutcome) -> (&'static str, i64) {
    match outcome {
        CallOutcome::Answer => ("completed", 200),
        CallOutcome::Busy => ("busy", 486),
        // Trunkline cancels after its ring timeout; the INVITE ends with 487.
        CallOutcome::NoAnswer => ("no_answer", 487),
        CallOutcome::Unavailable => ("failed", 503),
    }
}

/// One contact: what the simulator's seed predicts and what the call log says.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRow {
    /// The number called (E.164).
    pub phone: String,
    /// The simulator's prediction for it.
    pub prediction: Prediction,
    /// Its latest attempt in the call log (`None`: the log has no call).
    pub call: Option<CallView>,
}

impl DemoRow {
    /// The status the call log must show.
    pub fn expected(&self) -> &'static str {
        expected_status(self.prediction.outcome).0
    }

    /// Whether the call log agrees with the prediction (status, and the SIP
    /// status where the simulator gives one).
    pub fn as_predicted(&self) -> bool {
        let (status, sip) = expected_status(self.prediction.outcome);
        self.call
            .as_ref()
            .is_some_and(|c| c.status == status && c.sip_status == Some(sip))
    }

    /// Seconds from the INVITE to the answer, or to the end of an
    /// unanswered call that rang.
    pub fn ring_seconds(&self) -> Option<f64> {
        let call = self.call.as_ref()?;
        if let Some(ms) = call.answer_ms {
            return Some(ms as f64 / 1000.0);
        }
        let t = &call.timeline;
        match (t.ringing_at, t.dialing_at, t.ended_at) {
            (Some(_), Some(from), Some(to)) => Some((to - from).num_milliseconds() as f64 / 1000.0),
            _ => None,
        }
    }

    /// Seconds of talk (answered calls).
    pub fn talk_seconds(&self) -> Option<f64> {
        let call = self.call.as_ref()?;
        call.answer_ms?;
        call.talk_ms.map(|ms| ms as f64 / 1000.0)
    }

    /// What differs from the prediction, in a sentence.
    fn difference(&self) -> String {
        let (status, sip) = expected_status(self.prediction.outcome);
        let want = format!("{status} ({sip})");
        let got = match &self.call {
            None => "no call in the call log".to_owned(),
            Some(c) => {
                let mut got = c.status.clone();
                if let Some(code) = c.sip_status {
                    let _ = write!(got, " ({code} {})", c.sip_reason.as_deref().unwrap_or(""));
                }
                if let Some(why) = &c.failure_reason {
                    let _ = write!(got, ": {why}");
                }
                got
            }
        };
        format!(
            "{}: the seed predicts {} so {want}, the call log says {got}",
            self.phone, self.prediction.outcome
        )
    }
}

/// The whole demo.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The settings it ran with.
    pub config: DemoConfig,
    /// One row per contact, in the batch's order.
    pub rows: Vec<DemoRow>,
    /// Calls the simulator saw end.
    pub sim_calls: usize,
    /// Successful REGISTERs the simulator answered.
    pub sim_registrations: usize,
    /// WebSocket connections the echo bot handled (Trunkline connects to the
    /// handler before dialing, so unanswered calls count too).
    pub bot_calls: usize,
    /// Bot calls whose greeting mark came back (the audio was played).
    pub bot_greetings_acknowledged: usize,
    /// Utterances the bot repeated back, over all calls.
    pub bot_utterances_echoed: u64,
    /// How long the demo took, start to stop.
    pub elapsed: Duration,
}

impl DemoReport {
    /// Pairs each number with its prediction and its latest call.
    pub(super) fn new(
        config: &DemoConfig,
        calls: &[CallView],
        peers: &PeerReports,
        elapsed: Duration,
    ) -> DemoReport {
        let plan = config.plan();
        let rows = config
            .numbers()
            .into_iter()
            .map(|phone| DemoRow {
                prediction: plan.predict(&phone),
                call: calls
                    .iter()
                    .filter(|c| c.phone == phone)
                    .max_by_key(|c| c.attempt)
                    .cloned(),
                phone,
            })
            .collect();
        DemoReport {
            config: config.clone(),
            rows,
            sim_calls: peers.sim_calls.len(),
            sim_registrations: peers.sim_registrations,
            bot_calls: peers.bot_calls.len(),
            bot_greetings_acknowledged: peers
                .bot_calls
                .iter()
                .filter(|b| b.marks_returned > 0)
                .count(),
            bot_utterances_echoed: peers.bot_calls.iter().map(|b| b.utterances_echoed).sum(),
            elapsed,
        }
    }

    /// Every row that differs from the prediction, as a sentence.
    pub fn mismatches(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| !r.as_predicted())
            .map(DemoRow::difference)
            .collect()
    }

    /// What the trunk cost, as the service charged it.
    pub fn trunk_cost(&self) -> f64 {
        self.rows
            .iter()
            .filter_map(|r| r.call.as_ref())
            .map(|c| c.cost)
            .sum()
    }

    /// Billed seconds: each call's billable seconds rounded up to the increment.
    pub fn billed_seconds(&self) -> u64 {
        let increment = u64::from(self.config.billing_increment_seconds.max(1));
        self.billable()
            .map(|s| s.div_ceil(increment) * increment)
            .sum()
    }

    /// What the same calls would cost on Twilio, with the same billing rule.
    pub fn twilio_cost(&self) -> f64 {
        let tariff = self.config.twilio_tariff();
        Micros(self.billable().map(|s| tariff.cost(s).0).sum()).as_credits()
    }

    fn billable(&self) -> impl Iterator<Item = u64> + '_ {
        self.rows
            .iter()
            .filter_map(|r| r.call.as_ref())
            .map(|c| u64::try_from(c.billable_seconds).unwrap_or(0))
    }

    /// The table: a header line, then one line per contact with
    /// whitespace-separated columns (`-` where there is no value).
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<14} {:<10} {:<10} {:>3} {:>6} {:>6} {:<5} {:>4} {:>8}\n",
            "phone", "status", "expected", "SIP", "ring s", "talk s", "codec", "MOS", "cost $"
        );
        let dash = || "-".to_owned();
        for row in &self.rows {
            let call = row.call.as_ref();
            let status = call.map_or("missing", |c| c.status.as_str());
            let sip = call
                .and_then(|c| c.sip_status)
                .map_or_else(dash, |s| s.to_string());
            let ring = row.ring_seconds().map_or_else(dash, |s| format!("{s:.2}"));
            let talk = row.talk_seconds().map_or_else(dash, |s| format!("{s:.2}"));
            let codec = call.and_then(|c| c.codec.clone()).unwrap_or_else(dash);
            let mos = call
                .and_then(|c| c.quality.as_ref())
                .and_then(|q| q.mos)
                .map_or_else(dash, |m| format!("{m:.2}"));
            let cost = call.map_or_else(dash, |c| format!("{:.4}", c.cost));
            let _ = writeln!(
                out,
                "{:<14} {:<10} {:<10} {:>3} {:>6} {:>6} {:<5} {:>4} {:>8}",
                row.phone,
                status,
                row.expected(),
                sip,
                ring,
                talk,
                codec,
                mos,
                cost
            );
        }
        out
    }

    /// The summary under the table: counts, talk time, the cost against
    /// Twilio's, what the peers saw, and whether the seed's prediction held.
    pub fn summary(&self) -> String {
        let count = |status: &str| {
            self.rows
                .iter()
                .filter(|r| r.call.as_ref().is_some_and(|c| c.status == status))
                .count()
        };
        let talk: f64 = self.rows.iter().filter_map(DemoRow::talk_seconds).sum();
        let trunk = self.trunk_cost();
        let twilio = self.twilio_cost();
        let saved = twilio - trunk;
        let percent = if twilio > 0.0 {
            100.0 * saved / twilio
        } else {
            0.0
        };
        let c = &self.config;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} calls in {:.1} s: {} completed, {} busy, {} no_answer, {} failed; {talk:.1} s of talk, \
             {:.1} billed minutes ({} s increments)",
            self.rows.len(),
            self.elapsed.as_secs_f64(),
            count("completed"),
            count("busy"),
            count("no_answer"),
            count("failed"),
            self.billed_seconds() as f64 / 60.0,
            c.billing_increment_seconds,
        );
        let _ = writeln!(
            out,
            "total cost: trunk ${trunk:.4} at ${:.4}/min; Twilio ${twilio:.4} at ${:.4}/min \
             for the same minutes; saved ${saved:.4} ({percent:.0}%)",
            c.trunk_rate_per_minute, c.twilio_rate_per_minute,
        );
        let _ = writeln!(
            out,
            "trunk simulator: {} registration(s), {} calls ended; echo bot: {} connections, \
             {} greetings acknowledged by mark, {} utterances repeated back",
            self.sim_registrations,
            self.sim_calls,
            self.bot_calls,
            self.bot_greetings_acknowledged,
            self.bot_utterances_echoed,
        );
        let mismatches = self.mismatches();
        if mismatches.is_empty() {
            let _ = writeln!(
                out,
                "all {} calls ended as seed {} predicts",
                self.rows.len(),
                c.seed
            );
        } else {
            let _ = writeln!(
                out,
                "{} of {} calls differ from what seed {} predicts:",
                mismatches.len(),
                self.rows.len(),
                c.seed
            );
            for m in mismatches {
                let _ = writeln!(out, "  {m}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::calls::{Quality, Timeline};
    use chrono::{TimeZone, Utc};

    fn call(phone: &str, status: &str, sip: Option<i64>, talk_ms: Option<i64>) -> CallView {
        let at = |ms: i64| Utc.timestamp_millis_opt(ms).single();
        let answered = status == "completed";
        CallView {
            id: format!("id-{phone}"),
            sid: "CA1".into(),
            batch_id: "b1".into(),
            phone: phone.into(),
            customer_name: String::new(),
            campaign_id: "demo".into(),
            prompt_id: "echo".into(),
            params: Default::default(),
            attempt: 1,
            status: status.into(),
            timeline: Timeline {
                queued_at: Utc.timestamp_millis_opt(0).single().unwrap_or_default(),
                dialing_at: at(1_000),
                ringing_at: at(1_010),
                answered_at: answered.then(|| at(2_500)).flatten(),
                ended_at: at(6_000),
            },
            sip_status: sip,
            sip_reason: sip.map(|_| "Reason".into()),
            hangup_by: None,
            ring_ms: Some(10),
            answer_ms: answered.then_some(1_500),
            talk_ms,
            billable_seconds: talk_ms.map_or(0, |t| (t + 999) / 1000),
            cost: if answered { 0.01 } else { 0.0 },
            codec: answered.then(|| "PCMU".into()),
            quality: answered.then_some(Quality {
                loss: Some(0.0),
                jitter_ms: Some(0.5),
                mos: Some(4.4),
            }),
            failure_reason: (status == "failed").then(|| "call rejected".into()),
        }
    }

    /// A report over the default config's numbers, each call as predicted
    /// except where `change` says otherwise.
    fn report(change: impl Fn(&str, CallView) -> Option<CallView>) -> DemoReport {
        let config = DemoConfig::default();
        let plan = config.plan();
        let calls: Vec<CallView> = config
            .numbers()
            .iter()
            .filter_map(|n| {
                let (status, sip) = expected_status(plan.predict(n).outcome);
                let talk = (status == "completed").then_some(5_020);
                change(n, call(n, status, Some(sip), talk))
            })
            .collect();
        DemoReport::new(
            &config,
            &calls,
            &PeerReports::default(),
            Duration::from_secs(20),
        )
    }

    #[test]
    fn predicted_calls_give_no_mismatch_and_a_row_each() {
        let r = report(|_, c| Some(c));
        assert!(r.mismatches().is_empty());
        let table = r.table();
        assert_eq!(table.lines().count(), 21);
        let answered = r
            .rows
            .iter()
            .filter(|x| x.prediction.outcome == CallOutcome::Answer)
            .count();
        assert!(
            answered > 0 && answered < 20,
            "the default seed mixes outcomes"
        );
        assert!((r.trunk_cost() - 0.01 * answered as f64).abs() < 1e-9);
        assert!((r.twilio_cost() - 0.02 * answered as f64).abs() < 1e-9);
        assert_eq!(r.billed_seconds(), 60 * answered as u64);
        for line in table.lines().skip(1) {
            assert_eq!(line.split_whitespace().count(), 9, "{line}");
        }
        assert!(
            r.summary()
                .contains("all 20 calls ended as seed 1 predicts")
        );
    }

    #[test]
    fn a_wrong_status_a_wrong_sip_status_and_a_missing_call_are_reported() {
        let config = DemoConfig::default();
        let plan = config.plan();
        let numbers = config.numbers();
        let answered = numbers
            .iter()
            .find(|n| plan.predict(n).outcome == CallOutcome::Answer)
            .cloned()
            .unwrap_or_default();
        let other = numbers
            .iter()
            .find(|n| plan.predict(n).outcome != CallOutcome::Answer)
            .cloned()
            .unwrap_or_default();
        let last = numbers.last().cloned().unwrap_or_default();
        let r = report(|n, c| {
            if n == answered {
                Some(CallView {
                    status: "failed".into(),
                    failure_reason: Some("no audio".into()),
                    ..c
                })
            } else if n == other {
                Some(CallView {
                    sip_status: Some(500),
                    status: "failed".into(),
                    ..c
                })
            } else if n == last {
                None
            } else {
                Some(c)
            }
        });
        let m = r.mismatches();
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(
            m.iter()
                .any(|x| x.starts_with(&answered) && x.contains("no audio"))
        );
        assert!(m.iter().any(|x| x.starts_with(&other) && x.contains("500")));
        assert!(
            m.iter()
                .any(|x| x.starts_with(&last) && x.contains("no call"))
        );
        assert!(r.summary().contains("3 of 20 calls differ"));
        assert!(r.table().contains("missing"));
    }
}
