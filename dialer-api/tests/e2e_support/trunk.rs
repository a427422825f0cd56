//! SIPp as the trunk of `trunkline serve` (`tests/sipp/e2e_trunk.xml`): every INVITE is
//! challenged, the outcome follows the dialed number, and each call writes log lines with SIPp's
//! clock, which the tests read back as dials and call ends.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::{REALM, TRUNK_PASSWORD, TRUNK_USER, free_udp_port};

/// What the trunk does with a number (mirrors the scenario's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answers; the callee hangs up after the trunk's talk time.
    Answer,
    /// Answers; the callee hangs up after 7 s.
    AnswerLong,
    /// Answers and waits for the caller's BYE.
    AnswerHold,
    /// 486 Busy Here.
    Busy,
    /// Rings until the caller cancels.
    NoAnswer,
    /// 503 Service Unavailable.
    Unavailable,
}

/// Whether SIPp can run here (see `sipp_support/available.rs`).
pub fn sipp_available() -> bool {
    super::available::sipp_available()
}

/// The outcome the scenario picks for `number`.
pub fn outcome(number: &str) -> Outcome {
    if number.starts_with("+60129") {
        return Outcome::AnswerHold;
    }
    if number.starts_with("+60128") {
        return Outcome::AnswerLong;
    }
    match number.chars().last() {
        Some('5' | '6') => Outcome::Busy,
        Some('7' | '8') => Outcome::NoAnswer,
        Some('9') => Outcome::Unavailable,
        _ => Outcome::Answer,
    }
}

/// One INVITE dialog as SIPp saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// SIPp clock (ms) at the first INVITE.
    pub at_ms: u64,
    /// The dialed number.
    pub number: String,
    /// The caller's SIP port (from its Via): which `serve` node dialed.
    pub node_port: u16,
    /// The SIP Call-ID.
    pub call_id: String,
}

/// The end of a call as SIPp saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    /// SIPp clock (ms) at the call's last message.
    pub at_ms: u64,
    /// The dialed number.
    pub number: String,
    /// `callee_bye`, `caller_bye`, `busy`, `unavailable`, `canceled`, `forbidden` or `gone`
    /// (the caller stopped answering).
    pub how: String,
}

/// Everything the trunk logged so far.
#[derive(Debug, Clone, Default)]
pub struct TrunkLog {
    /// Dials in arrival order.
    pub dials: Vec<Dial>,
    /// Call ends in order.
    pub ends: Vec<End>,
}

impl TrunkLog {
    /// Dials per number.
    pub fn dials_per_number(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for d in &self.dials {
            *counts.entry(d.number.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Ends of calls to `number`.
    pub fn ends_of(&self, number: &str) -> Vec<&End> {
        self.ends.iter().filter(|e| e.number == number).collect()
    }
}

/// A running SIPp trunk (killed when dropped).
pub struct Trunk {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Trunk {
    /// Starts the trunk on a free loopback port; answered calls talk for `talk_ms`.
    pub async fn start(talk_ms: u32) -> Trunk {
        let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sipp/e2e_trunk.xml");
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_udp_port();
            let media_port = free_udp_port() & !1;
            let mut child = Command::new("sipp")
                .current_dir(dir.path())
                .arg("-sf")
                .arg(&scenario)
                .args(["-i", "127.0.0.1", "-p", &port.to_string()])
                .args([
                    "-mi",
                    "127.0.0.1",
                    "-mp",
                    &media_port.to_string(),
                    "-rtp_echo",
                ])
                .args(["-key", "user", TRUNK_USER, "-key", "pass", TRUNK_PASSWORD])
                .args(["-key", "realm", REALM, "-d", &talk_ms.to_string()])
                .args([
                    "-nostdin",
                    "-trace_logs",
                    "-trace_err",
                    "-buff_size",
                    "4194304",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("cannot run sipp");
            for _ in 0..100 {
                if std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
                    return Trunk { child, dir, port };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = child.kill().await;
        }
        panic!("sipp did not start with e2e_trunk.xml");
    }

    /// `host:port` for a phone config's proxies.
    pub fn proxy(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn file(&self, suffix: &str) -> Option<PathBuf> {
        std::fs::read_dir(self.dir.path())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(suffix))
    }

    /// The dials and call ends logged so far.
    pub fn log(&self) -> TrunkLog {
        let text = self
            .file("_logs.log")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let mut log = TrunkLog::default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [at, "INVITE", number, port, call_id] => log.dials.push(Dial {
                    at_ms: at.parse().expect("clock"),
                    number: (*number).to_owned(),
                    node_port: port.parse().expect("port"),
                    call_id: (*call_id).to_owned(),
                }),
                [at, "END", number, how] => log.ends.push(End {
                    at_ms: at.parse().expect("clock"),
                    number: (*number).to_owned(),
                    how: (*how).to_owned(),
                }),
                _ => panic!("unexpected trunk log line: {line}"),
            }
        }
        log
    }

    /// SIPp's error log (unexpected messages, aborted calls), for failure messages.
    pub fn errors(&self) -> String {
        self.file("_errors.log")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// Waits up to `limit` for `done(log)`; returns the last log either way.
    pub async fn wait_for(&self, limit: Duration, done: impl Fn(&TrunkLog) -> bool) -> TrunkLog {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let log = self.log();
            if done(&log) || tokio::time::Instant::now() > until {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops SIPp.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
