//! `load baseline`: the yardstick for `load run`. Starts `udp_echo` (built
//! from `udp_echo.c`: one thread, epoll, a socket per stream, every datagram
//! sent back), sends it N streams of 172-byte RTP packets every 20 ms (the
//! size of a PCMU packet), each stream at its own phase, and measures the
//! echo's CPU time over the window, as `run` does for the engine.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UdpSocket;
use tokio::process::{ChildStdin, ChildStdout, Command};

use crate::procfs::{self, Sample};

/// What `load baseline` is asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct BaselineOptions {
    /// Concurrent streams.
    #[arg(long, default_value_t = 100)]
    pub streams: usize,
    /// Seconds to run before measuring.
    #[arg(long, default_value_t = 3.0)]
    pub settle: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    pub window: f64,
    /// The `udp_echo` program (`cc -O2 -o udp_echo benches/load/udp_echo.c`).
    #[arg(long)]
    pub echo: PathBuf,
}

/// Runs the baseline; the result is one JSON object.
pub async fn run(opts: &BaselineOptions) -> Result<Value, String> {
    if opts.streams == 0 || opts.window <= 0.0 {
        return Err("--streams and --window must be above zero".into());
    }
    let mut echo = Command::new(&opts.echo)
        .arg(opts.streams.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", opts.echo.display()))?;
    let pid = echo.id().ok_or("udp_echo ended at once")?;
    let mut stdin = echo.stdin.take().ok_or("no stdin")?;
    let mut lines = BufReader::new(echo.stdout.take().ok_or("no stdout")?).lines();
    let mut ports = Vec::with_capacity(opts.streams);
    loop {
        match lines.next_line().await {
            Ok(Some(l)) if l == "ready" => break,
            Ok(Some(l)) => ports.push(
                l.parse::<u16>()
                    .map_err(|_| format!("udp_echo said {l:?}"))?,
            ),
            _ => return Err("udp_echo ended before it was ready".into()),
        }
    }
    let rss_idle = procfs::rss_kib(pid)?;
    let sent = Arc::new(AtomicU64::new(0));
    let echoed = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut streams = Vec::with_capacity(ports.len());
    for (i, port) in ports.iter().enumerate() {
        let socket = UdpSocket::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("pacer socket: {e}"))?;
        socket
            .connect(("127.0.0.1", *port))
            .await
            .map_err(|e| format!("pacer connect: {e}"))?;
        let phase = Duration::from_micros(20_000 * i as u64 / ports.len() as u64);
        streams.push(tokio::spawn(stream(
            socket,
            start + phase,
            sent.clone(),
            echoed.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_secs_f64(opts.settle)).await;
    let load_before = procfs::load_average();
    let (sent0, echoed0) = (sent.load(Ordering::Relaxed), echoed.load(Ordering::Relaxed));
    let count0 = echo_count(&mut stdin, &mut lines).await?;
    let s0 = Sample::take(&[pid])?;
    tokio::time::sleep(Duration::from_secs_f64(opts.window)).await;
    let s1 = Sample::take(&[pid])?;
    let count1 = echo_count(&mut stdin, &mut lines).await?;
    let (sent1, echoed1) = (sent.load(Ordering::Relaxed), echoed.load(Ordering::Relaxed));
    let rss = procfs::rss_kib(pid)?;
    for s in &streams {
        s.abort();
    }
    let _ = echo.kill().await;

    let cpu = s0.cpu_used(&s1).first().copied().unwrap_or(f64::NAN);
    let seconds = s0.seconds(&s1);
    let per_stream_ms_s = cpu / seconds / opts.streams as f64 * 1000.0;
    let window_sent = sent1 - sent0;
    // The share of the nominal 50 packets a second per stream the echo
    // really handled (on a saturated machine the pacer or the echo falls behind).
    let handled = count1 - count0;
    let rate_fraction = handled as f64 / (opts.streams as f64 * 50.0 * seconds);
    Ok(json!({
        "streams": opts.streams,
        "window_s": seconds,
        "cpu_s": cpu,
        "cpu_ms_per_stream_s": per_stream_ms_s,
        "cpu_pct_core_per_stream": per_stream_ms_s / 10.0,
        "rate_fraction": rate_fraction,
        "runqueue_wait_s": s0.wait_used(&s1).first(),
        "cpu_ms_per_stream_s_at_full_rate": per_stream_ms_s / rate_fraction,
        "echoed_by_udp_echo": handled,
        "rss_idle_kib": rss_idle,
        "rss_kib": rss,
        "packets_per_s_each_way": window_sent as f64 / seconds,
        "packets_sent": window_sent,
        "packets_echoed": echoed1 - echoed0,
        "machine_cores_busy": s0.machine_cores_busy(&s1),
        "load_average": [load_before, procfs::load_average()],
    }))
}

/// Asks `udp_echo` how many datagrams it has echoed.
async fn echo_count(
    stdin: &mut ChildStdin,
    lines: &mut Lines<BufReader<ChildStdout>>,
) -> Result<u64, String> {
    stdin
        .write_all(b"\n")
        .await
        .map_err(|e| format!("udp_echo stdin: {e}"))?;
    stdin
        .flush()
        .await
        .map_err(|e| format!("udp_echo stdin: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await {
        Ok(Ok(Some(l))) => l.trim().parse().map_err(|_| format!("udp_echo said {l:?}")),
        _ => Err("udp_echo did not say its count".into()),
    }
}

/// One stream: a 172-byte RTP packet every 20 ms from `first`, echoes counted.
async fn stream(
    socket: UdpSocket,
    first: tokio::time::Instant,
    sent: Arc<AtomicU64>,
    echoed: Arc<AtomicU64>,
) {
    let mut tick = tokio::time::interval_at(first, Duration::from_millis(20));
    let mut packet = [0u8; 172];
    packet[0] = 0x80;
    let mut buf = [0u8; 2048];
    let mut seq: u16 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                packet[2..4].copy_from_slice(&seq.to_be_bytes());
                packet[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
                seq = seq.wrapping_add(1);
                if socket.send(&packet).await.is_ok() {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            got = socket.recv(&mut buf) => {
                if got.is_ok() {
                    echoed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}
