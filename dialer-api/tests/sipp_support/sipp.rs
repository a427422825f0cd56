//! Running SIPp as the trunk: one process per scenario on a free loopback
//! port, its traces in a temporary directory shown when it fails.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::rtp_peer::RtpPeer;

/// Whether SIPp can run here (see `available.rs`).
pub fn available() -> bool {
    super::available::sipp_available()
}

/// A scenario file of this test suite.
pub fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

/// A running SIPp.
pub struct Sipp {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    name: String,
}

/// How a SIPp run ended.
#[derive(Debug)]
pub struct SippResult {
    /// Exit status 0: every call of the scenario succeeded.
    pub success: bool,
    /// Its exit code.
    pub code: Option<i32>,
    /// Screen output, error log and message trace, for failure messages.
    pub log: String,
    /// What the scenario's `<log>` actions wrote.
    pub logs: String,
}

impl Sipp {
    /// SIPp answering one call with `engine_answer.xml`: SDP for payload type `pt` named `name`
    /// with media at `peer`, hanging up `talk_ms` after the answer.
    pub async fn answering(peer: &RtpPeer, pt: u8, name: &str, talk_ms: &str) -> Sipp {
        let pt = pt.to_string();
        let port = peer.addr().port().to_string();
        let args = [
            "-key",
            "codec_pt",
            &pt,
            "-key",
            "codec_name",
            name,
            "-key",
            "rtp_ip",
            "127.0.0.1",
            "-key",
            "rtp_port",
            &port,
            "-d",
            talk_ms,
        ];
        Sipp::start("engine_answer.xml", &args).await
    }

    /// Starts `scenario` as a UAS on a free loopback port, for one call,
    /// with `args` added (`-key`, `-d`, ...). Returns once SIPp holds its port.
    pub async fn start(scenario_name: &str, args: &[&str]) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            let port = std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut command = Command::new("sipp");
            command
                .current_dir(dir.path())
                .arg("-sf")
                .arg(scenario(scenario_name))
                .args(["-i", "127.0.0.1", "-p", &port.to_string()])
                .args(["-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"])
                .args(["-trace_err", "-trace_msg", "-trace_logs"])
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true);
            let mut child = command.spawn().expect("cannot run sipp");
            // SIPp has started when the port is taken (or it died: try another port).
            for _ in 0..100 {
                if std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
                    return Sipp {
                        child,
                        dir,
                        port,
                        name: scenario_name.to_owned(),
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = child.kill().await;
        }
        panic!("sipp did not start with {scenario_name}");
    }

    /// SIPp's SIP address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `host:port` for a trunk's proxy list.
    pub fn proxy(&self) -> String {
        self.addr().to_string()
    }

    /// Waits (at most `limit`) for SIPp to end its one call.
    pub async fn finish(mut self, limit: Duration) -> SippResult {
        let status = tokio::time::timeout(limit, self.child.wait()).await;
        let status = match status {
            Ok(Ok(s)) => Some(s),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        };
        let mut log = format!("sipp {} on port {}\n", self.name, self.port);
        if let Some(mut out) = self.child.stdout.take() {
            use tokio::io::AsyncReadExt;
            let mut s = String::new();
            let _ = out.read_to_string(&mut s).await;
            let tail: Vec<&str> = s.lines().rev().take(25).collect();
            log.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        let mut logs = String::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.path()) {
            for e in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    if e.file_name().to_string_lossy().ends_with("_logs.log") {
                        logs.push_str(&text);
                    }
                    log.push_str(&format!(
                        "\n--- {}\n{text}",
                        e.file_name().to_string_lossy()
                    ));
                }
            }
        }
        SippResult {
            success: status.is_some_and(|s| s.success()),
            code: status.and_then(|s| s.code()),
            log,
            logs,
        }
    }
}

/// Asserts SIPp ended its call successfully, showing its traces if not.
pub async fn assert_sipp_ok(sipp: Sipp) {
    let result = sipp.finish(Duration::from_secs(30)).await;
    assert!(
        result.success,
        "SIPp failed (exit {:?}):\n{}",
        result.code, result.log
    );
}

/// A SIPp `[timestamp]` (`YYYY-MM-DD<tab>HH:MM:SS.micros<tab>EPOCH.micros`)
/// as a wall-clock time, read from its Unix-epoch field.
pub fn parse_timestamp(text: &str) -> Option<std::time::SystemTime> {
    let epoch = text.split_whitespace().last()?;
    let (seconds, micros) = epoch.split_once('.')?;
    Some(
        std::time::UNIX_EPOCH
            + Duration::from_secs(seconds.parse().ok()?)
            + Duration::from_micros(micros.parse().ok()?),
    )
}

#[test]
fn sipp_timestamps_parse() {
    let t = parse_timestamp("2026-11-27\t00:52:28.126604\t1795740748.126604").unwrap();
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(since, Duration::from_micros(1_795_740_748_126_604));
}
