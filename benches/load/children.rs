//! The peer processes of a load run: SIPp as the trunk, the bot and the
//! cadence probe. Each is killed when its handle is dropped.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// A running peer process.
pub struct Peer {
    /// The process (killed on drop).
    pub child: Child,
    /// Its stdout, line by line.
    pub stdout: Lines<BufReader<ChildStdout>>,
    /// Its stdin, for commands.
    pub stdin: Option<ChildStdin>,
}

impl Peer {
    /// Runs this program again with `args` and waits for its first line,
    /// which must start with `tag` (`BOT`, `PROBE`); returns the rest of it.
    pub async fn helper(args: &[&str], tag: &str) -> Result<(Peer, String), String> {
        let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start load {}: {e}", args.join(" ")))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stdin = child.stdin.take();
        let mut peer = Peer {
            child,
            stdout: BufReader::new(stdout).lines(),
            stdin,
        };
        let line = peer.line(Duration::from_secs(10)).await?;
        let rest = line
            .strip_prefix(tag)
            .ok_or_else(|| format!("load {}: expected {tag}, got {line:?}", args.join(" ")))?;
        Ok((peer, rest.trim().to_owned()))
    }

    /// The next line of its stdout, waiting at most `limit`.
    pub async fn line(&mut self, limit: Duration) -> Result<String, String> {
        match tokio::time::timeout(limit, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => Ok(line),
            Ok(Ok(None)) => Err("the process ended without a reply".into()),
            Ok(Err(e)) => Err(format!("reading its output: {e}")),
            Err(_) => Err(format!("no reply within {limit:?}")),
        }
    }

    /// Writes one command line to its stdin.
    pub async fn command(&mut self, command: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin is closed")?;
        stdin
            .write_all(format!("{command}\n").as_bytes())
            .await
            .map_err(|e| format!("command {command}: {e}"))?;
        stdin.flush().await.map_err(|e| e.to_string())
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }
}

/// A SIPp trunk: where it takes SIP, and where its answers send the media.
pub struct SippTrunk {
    /// The process (killed on drop).
    pub child: Child,
    /// Its SIP port on 127.0.0.1.
    pub sip_port: u16,
    /// Its stderr, kept in a file.
    pub log: PathBuf,
}

/// Starts SIPp with `scenario` on a free loopback port. With `echo_to` =
/// `None` SIPp echoes the RTP itself (`-rtp_echo`, a media port of its
/// own); with `Some(port)` its answers point at that port instead.
pub async fn sipp_trunk(
    scenario: &Path,
    echo_to: Option<u16>,
    dir: &Path,
    index: usize,
) -> Result<SippTrunk, String> {
    for _ in 0..5 {
        let sip_port = free_port(1)?;
        let media_port = free_port(2)?;
        let rtp_port = echo_to.unwrap_or(media_port);
        let log = dir.join(format!("sipp-{index}-{sip_port}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = Command::new("sipp");
        command
            .current_dir(dir)
            .arg("-sf")
            .arg(scenario)
            .args(["-i", "127.0.0.1", "-p", &sip_port.to_string()])
            .args(["-mi", "127.0.0.1", "-mp", &media_port.to_string()])
            .args(["-key", "rtp_ip", "127.0.0.1"])
            .args(["-key", "rtp_port", &rtp_port.to_string()])
            // A large SIP buffer (DESIGN.md §7) and no cap on open calls.
            .args(["-buff_size", "4194304", "-l", "100000", "-nostdin"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true);
        if echo_to.is_none() {
            command.arg("-rtp_echo");
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run sipp (Debian package sip-tester): {e}"))?;
        for _ in 0..250 {
            if UdpSocket::bind(("127.0.0.1", sip_port)).is_err() {
                return Ok(SippTrunk {
                    child,
                    sip_port,
                    log,
                });
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = child.kill().await;
    }
    Err(format!(
        "sipp did not start; see its logs in {}",
        dir.display()
    ))
}

/// A loopback UDP port free now; with `span` 2, also the port two above
/// (SIPp's `-rtp_echo` takes both) and the port is even.
fn free_port(span: u16) -> Result<u16, String> {
    for _ in 0..1000 {
        let s = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
        let port = s.local_addr().map_err(|e| e.to_string())?.port();
        if span == 1 {
            return Ok(port);
        }
        if port % 2 == 0 && port < u16::MAX - 2 && UdpSocket::bind(("127.0.0.1", port + 2)).is_ok()
        {
            return Ok(port);
        }
    }
    Err("no free loopback UDP port pair".into())
}
