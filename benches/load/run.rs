//! `load run`: N concurrent two-way PCMU calls placed by the call engine
//! (in this process, as `trunkline serve` runs it) against SIPp trunks, each
//! call bridged to the bot; the CPU time and memory of this process over a
//! steady window, the cadence of its RTP at the probe, and the loss.
//!
//! ```text
//!                    ┌─ SIPp (-rtp_echo) x K, at most --calls-per-sipp calls each
//!  this process ─SIP─┤
//!  Engine      ─RTP─▶└─ SIPp (answers with the probe's port) ─ probe: echo + gaps
//!     │ WebSocket per call
//!     ▼
//!   bot (echoes every media frame)
//! ```
//!
//! Calls are placed at `--cps`; once all are talking and `--settle` has
//! passed, the window of `--window` seconds is measured, then every call is
//! hung up and the reports are summed up. One JSON object is printed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use dialer_api::config::{HandlerConfig, HandlerProtocol, ProxyAddr};
use dialer_api::engine::{CallReport, CallRequest, Engine, EngineSettings, Trunk};
use dialer_api::scheduler::{FinalStatus, HangupBy, ProgressState};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::children::{Peer, SippTrunk, sipp_trunk};
use crate::procfs::{self, Sample};

/// What `load run` is asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct RunOptions {
    /// Concurrent calls.
    #[arg(long, default_value_t = 100)]
    pub calls: usize,
    /// Calls placed per second while ramping up.
    #[arg(long, default_value_t = 100.0)]
    pub cps: f64,
    /// Seconds to wait after the last answer before measuring.
    #[arg(long, default_value_t = 5.0)]
    pub settle: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    pub window: f64,
    /// Calls per SIPp echo (one socket each; DESIGN.md §7: lossless up to about 200).
    #[arg(long, default_value_t = 200)]
    pub calls_per_sipp: usize,
    /// Calls whose RTP goes to the cadence probe (0: N/20, between 1 and 50).
    #[arg(long, default_value_t = 0)]
    pub probe_calls: usize,
    /// Lowest RTP port of the engine.
    #[arg(long, default_value_t = 12_000)]
    pub rtp_port_min: u16,
    /// Highest RTP port of the engine.
    #[arg(long, default_value_t = 15_999)]
    pub rtp_port_max: u16,
    /// Tokio worker threads of this process (default: one per core, as
    /// `trunkline serve` runs).
    #[arg(long)]
    pub worker_threads: Option<usize>,
    /// Also run `load baseline` with the same N and window first, with
    /// this `udp_echo` program, and give the ratio.
    #[arg(long)]
    pub baseline_echo: Option<PathBuf>,
    /// The SIPp scenario of the trunk.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/load/trunk_answer.xml"))]
    pub scenario: PathBuf,
}

/// Runs the measurement; the result is one JSON object.
pub async fn run(opts: &RunOptions) -> Result<Value, String> {
    if opts.calls == 0 || opts.cps <= 0.0 || opts.window <= 0.0 || opts.calls_per_sipp == 0 {
        return Err("--calls, --cps, --window and --calls-per-sipp must be above zero".into());
    }
    let baseline = match &opts.baseline_echo {
        Some(echo) => Some(
            crate::baseline::run(&crate::baseline::BaselineOptions {
                streams: opts.calls,
                settle: 3.0,
                window: opts.window,
                echo: echo.clone(),
            })
            .await?,
        ),
        None => None,
    };
    let dir = std::env::temp_dir().join(format!("trunkline-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    let (bot, url) = Peer::helper(&["bot"], "BOT").await?;
    let (mut probe, probe_addr) = Peer::helper(&["probe"], "PROBE").await?;
    let probe_port: u16 = probe_addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("probe address {probe_addr:?}"))?;

    let probe_calls = match opts.probe_calls {
        0 => (opts.calls / 20).clamp(1, 50),
        n => n,
    }
    .min(opts.calls);
    let echo_calls = opts.calls - probe_calls;
    let mut sipps: Vec<SippTrunk> = Vec::new();
    for k in 0..echo_calls.div_ceil(opts.calls_per_sipp) {
        sipps.push(sipp_trunk(&opts.scenario, None, &dir, k).await?);
    }
    let probe_trunk = sipp_trunk(&opts.scenario, Some(probe_port), &dir, sipps.len()).await?;

    let settings = EngineSettings {
        sip_bind: "127.0.0.1:0".parse().map_err(|_| "bind address")?,
        rtp_port_min: opts.rtp_port_min,
        rtp_port_max: opts.rtp_port_max,
        no_audio_timeout: Duration::from_secs(10),
        ..EngineSettings::default()
    };
    let engine = Engine::start(settings).await.map_err(|e| e.to_string())?;
    let mut trunk_names = Vec::new();
    for (i, s) in sipps.iter().chain([&probe_trunk]).enumerate() {
        let name = format!("trunk{i}");
        engine
            .add_trunk(trunk(&name, s.sip_port)?)
            .await
            .map_err(|e| e.to_string())?;
        trunk_names.push(name);
    }
    let handler =
        HandlerConfig::new(&url, HandlerProtocol::Twilio, None).map_err(|e| e.to_string())?;
    let me = std::process::id();
    let rss_idle = procfs::rss_kib(me)?;

    // Ramp up.
    let (progress, mut answers) = mpsc::unbounded_channel();
    let started = Instant::now();
    let mut calls: Vec<(String, JoinHandle<CallReport>)> = Vec::with_capacity(opts.calls);
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / opts.cps));
    let stride = opts.calls / probe_calls.max(1);
    let (mut probed, mut echoed) = (0, 0);
    for i in 0..opts.calls {
        pace.tick().await;
        let to_probe = probe_calls > 0 && i % stride.max(1) == 0 && probed < probe_calls;
        let name = if to_probe || sipps.is_empty() {
            probed += 1;
            trunk_names.last()
        } else {
            echoed += 1;
            trunk_names.get(echoed % sipps.len())
        }
        .ok_or("no trunk")?;
        let mut req = CallRequest::new(
            name,
            &format!("+1555{i:07}"),
            "+60123456789",
            handler.clone(),
        );
        req.max_duration = Duration::from_secs(3600);
        req.progress = Some(progress.clone());
        let key = req.key.clone();
        let e = engine.clone();
        calls.push((key, tokio::spawn(async move { e.call(req).await })));
    }
    drop(progress);
    let ramp_s = started.elapsed().as_secs_f64();

    // Wait until every call talks (or has ended).
    let mut talking = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while talking < opts.calls
        && calls.iter().filter(|(_, h)| h.is_finished()).count() + talking < opts.calls
    {
        match tokio::time::timeout_at(deadline, answers.recv()).await {
            Ok(Some(p)) if p.state == ProgressState::InProgress => talking += 1,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(opts.settle)).await;
    let live_before = engine.stats().active_calls;

    // The steady window.
    let mut pids = vec![me, bot.pid()];
    pids.extend(
        sipps
            .iter()
            .chain([&probe_trunk])
            .filter_map(|s| s.child.id()),
    );
    let load_before = procfs::load_average();
    probe.command("start").await?;
    let s0 = Sample::take(&pids)?;
    tokio::time::sleep(Duration::from_secs_f64(opts.window)).await;
    let s1 = Sample::take(&pids)?;
    let rss_steady = procfs::rss_kib(me)?;
    probe.command("stop").await?;
    let cadence: Value = serde_json::from_str(&probe.line(Duration::from_secs(10)).await?)
        .map_err(|e| format!("probe output: {e}"))?;
    let live_after = engine.stats().active_calls;
    let load_after = procfs::load_average();

    // Hang up and sum up the reports.
    for (key, _) in &calls {
        engine.hangup(key, HangupBy::Trunkline);
    }
    let mut reports = Vec::with_capacity(calls.len());
    for (_, handle) in calls {
        if let Ok(Ok(r)) = tokio::time::timeout(Duration::from_secs(30), handle).await {
            reports.push(r);
        }
    }
    engine.shutdown().await;
    drop(bot);
    let mut sipp_failures = Vec::new();
    for mut s in sipps.into_iter().chain([probe_trunk]) {
        if let Ok(Some(status)) = s.child.try_wait() {
            let log = std::fs::read_to_string(&s.log).unwrap_or_default();
            let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" / ");
            sipp_failures.push(format!(
                "sipp on port {} ended early ({status}): {tail}",
                s.sip_port
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    let used = s0.cpu_used(&s1);
    let seconds = s0.seconds(&s1);
    let engine_cpu = used.first().copied().unwrap_or(f64::NAN);
    let live = live_before.min(live_after) as f64;
    let per_call_ms_s = engine_cpu / seconds / live * 1000.0;
    // The share of the nominal 50 packets a second the probe's calls got:
    // on a saturated machine the engine falls behind and sends fewer.
    let rate_fraction = match (cadence["packets"].as_f64(), cadence["streams"].as_f64()) {
        (Some(p), Some(s)) if s > 0.0 => p / (s * 50.0 * seconds),
        _ => f64::NAN,
    };
    let at_full_rate = per_call_ms_s / rate_fraction;
    let ratio = baseline
        .as_ref()
        .and_then(|b| b["cpu_ms_per_stream_s_at_full_rate"].as_f64())
        .map(|b| at_full_rate / b);
    Ok(json!({
        "calls": opts.calls,
        "worker_threads": opts.worker_threads,
        "talking": talking,
        "live_at_window_start": live_before,
        "live_at_window_end": live_after,
        "sipp_echo_trunks": trunk_names.len() - 1,
        "probe_calls": probe_calls,
        "ramp_s": ramp_s,
        "window_s": seconds,
        "cpu_s": engine_cpu,
        "cpu_ms_per_call_s": per_call_ms_s,
        "cpu_pct_core_per_call": per_call_ms_s / 10.0,
        "rate_fraction": rate_fraction,
        "runqueue_wait_s": s0.wait_used(&s1).first(),
        "cpu_ms_per_call_s_at_full_rate": at_full_rate,
        "rss_idle_kib": rss_idle,
        "rss_steady_kib": rss_steady,
        "rss_per_call_kib": (rss_steady as f64 - rss_idle as f64) / live,
        "bot_cpu_s": used.get(1),
        "sipp_cpu_s": used.iter().skip(2).sum::<f64>(),
        "machine_cores_busy": s0.machine_cores_busy(&s1),
        "load_average": [load_before, load_after],
        "cadence_at_probe": cadence,
        "engine_reports": summarize(&reports),
        "sipp_failures": sipp_failures,
        "baseline_udp_echo": baseline,
        "ratio_to_udp_echo": ratio,
    }))
}

fn trunk(name: &str, sip_port: u16) -> Result<Trunk, String> {
    Ok(Trunk {
        name: name.to_owned(),
        proxies: vec![
            ProxyAddr::parse(&format!("127.0.0.1:{sip_port}")).map_err(|e| e.to_string())?,
        ],
        username: "load".into(),
        password: "load".into(),
        domain: None,
        caller_id: "+60123456789".into(),
        display_name: None,
        codecs: vec![codecs::Codec::Pcmu],
        register: false,
        register_expires: 3600,
    })
}

/// Totals of the engine's own per-call reports (whole calls, ramp included).
fn summarize(reports: &[CallReport]) -> Value {
    let completed = reports
        .iter()
        .filter(|r| r.status == FinalStatus::Completed)
        .count();
    let sent: u64 = reports.iter().map(|r| r.packets_sent).sum();
    let received: u64 = reports.iter().map(|r| r.packets_received).sum();
    let losses: Vec<f64> = reports.iter().filter_map(|r| r.loss).collect();
    let jitters: Vec<f64> = reports.iter().filter_map(|r| r.jitter_ms).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    let mut errors: Vec<&str> = reports.iter().filter_map(|r| r.error.as_deref()).collect();
    errors.dedup();
    errors.truncate(3);
    json!({
        "reports": reports.len(),
        "completed": completed,
        "packets_sent": sent,
        "packets_received": received,
        "loss_mean": mean(&losses),
        "loss_max": max(&losses),
        "jitter_ms_mean": mean(&jitters),
        "errors": errors,
    })
}
