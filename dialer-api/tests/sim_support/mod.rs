//! Shared by the trunk simulator tests: running SIPp against the simulator
//! and reading its statistics, free loopback ports, waiting for events.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use dialer_api::sim::{CallReport, SimEvent, SimTrunk};

#[path = "../sipp_support/available.rs"]
mod available;

/// Whether SIPp can run here (see `sipp_support/available.rs`).
pub fn sipp_available() -> bool {
    available::sipp_available()
}

/// A scenario file under `tests/sipp/`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
pub fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind a free port");
    s.local_addr().expect("local addr").port()
}

/// An even port with the next three free too (SIPp's RTP echo takes the port
/// and the one two above it; RTCP goes to the odd one).
pub fn free_media_port() -> u16 {
    for _ in 0..100 {
        let p = free_udp_port() & !1;
        if !(1024..=65_000).contains(&p) {
            continue;
        }
        let held: Vec<_> = (0..4)
            .map(|k| UdpSocket::bind(("127.0.0.1", p + k)))
            .collect();
        if held.iter().all(Result::is_ok) {
            return p;
        }
    }
    panic!("no four consecutive free UDP ports");
}

/// What a SIPp run left behind.
#[derive(Debug)]
pub struct SippRun {
    /// SIPp's exit code (0: every call succeeded).
    pub code: Option<i32>,
    /// Calls SIPp counted as successful.
    pub successful: u64,
    /// Calls SIPp counted as failed.
    pub failed: u64,
    /// Per scenario step counters, e.g. `7_486_Recv`.
    pub counts: HashMap<String, u64>,
    /// SIPp's screen output, for failure messages.
    pub output: String,
}

impl SippRun {
    /// The sum of the counters named `<index>_<name>` (e.g. `486_Recv`).
    pub fn count(&self, name: &str) -> u64 {
        self.counts
            .iter()
            .filter(|(k, _)| k.split_once('_').is_some_and(|(_, rest)| rest == name))
            .map(|(_, v)| *v)
            .sum()
    }
}

/// The last row of a `;`-separated SIPp CSV file, by column name.
fn last_row(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return HashMap::new();
    };
    let last = lines.next_back().unwrap_or_default();
    header
        .split(';')
        .zip(last.split(';'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Runs SIPp as a UAC against `target` with `scenario`, injection rows
/// `inf` (the first line SEQUENTIAL is added) and extra arguments.
pub async fn run_sipp(
    target: SocketAddr,
    scenario_name: &str,
    inf: &[&str],
    extra: &[&str],
) -> SippRun {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<String> = vec![
        target.to_string(),
        "-sf".into(),
        scenario(scenario_name).display().to_string(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-nostdin".into(),
        "-trace_stat".into(),
        "-stf".into(),
        dir.path().join("stat.csv").display().to_string(),
        "-trace_counts".into(),
        "-trace_err".into(),
        "-timeout".into(),
        "90s".into(),
    ];
    if !inf.is_empty() {
        let path = dir.path().join("inject.csv");
        let mut text = String::from("SEQUENTIAL\n");
        for row in inf {
            text.push_str(row);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("write the injection file");
        args.push("-inf".into());
        args.push(path.display().to_string());
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = tokio::process::Command::new("sipp")
        .args(&args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run sipp");
    let stats = last_row(&dir.path().join("stat.csv"));
    let number = |k: &str| {
        stats
            .get(k)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let mut counts = HashMap::new();
    let mut errors = String::new();
    for entry in std::fs::read_dir(dir.path())
        .expect("read temp dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with("_counts.csv") {
            for (k, v) in last_row(&entry.path()) {
                if let Ok(n) = v.trim().parse() {
                    counts.insert(k, n);
                }
            }
        }
        if name.ends_with("_errors.log") {
            errors.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    let screen = String::from_utf8_lossy(&out.stdout);
    let tail: String = screen
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    SippRun {
        code: out.status.code(),
        successful: number("SuccessfulCall(C)"),
        failed: number("FailedCall(C)"),
        counts,
        output: format!(
            "{tail}\n--- stderr ---\n{}\n--- errors ---\n{errors}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Reads events until `done` says stop (returns true) or `within` passes;
/// returns every event read.
pub async fn events_until(
    trunk: &mut SimTrunk,
    within: Duration,
    mut done: impl FnMut(&[SimEvent]) -> bool,
) -> Vec<SimEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !done(&seen) {
        match tokio::time::timeout_at(deadline, trunk.next_event()).await {
            Ok(Some(e)) => seen.push(e),
            Ok(None) | Err(_) => break,
        }
    }
    seen
}

/// Every events read without waiting.
pub fn drain(trunk: &mut SimTrunk) -> Vec<SimEvent> {
    std::iter::from_fn(|| trunk.try_next_event()).collect()
}

/// The call reports among `events`.
pub fn reports(events: &[SimEvent]) -> Vec<&CallReport> {
    events
        .iter()
        .filter_map(|e| match e {
            SimEvent::CallEnded(r) => Some(r),
            _ => None,
        })
        .collect()
}
pub mod uac;
