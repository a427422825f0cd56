//! Smoke test of the load benchmark's driver (`load`): two calls through
//! the engine against SIPp for a few seconds, with the bare UDP echo
//! baseline, and the figures it prints are present and sane. The real runs
//! (100 to 1000 calls) are `benches/load/run.sh`, never run in CI.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Whether `program` runs here; without it the test is skipped with a
/// printed reason, or fails when `CI` is set.
fn available(program: &str, package: &str) -> bool {
    let ok = Command::new(program).arg("-v").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed ({package}) and CI is set"
        );
        eprintln!("skipped: {program} is not installed ({package})");
    }
    ok
}

#[test]
fn two_calls_are_measured_next_to_the_udp_echo() {
    if !available("sipp", "Debian package sip-tester") || !available("cc", "a C compiler") {
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("trunkline-load-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let echo = dir.join("udp_echo");
    let built = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&echo)
        .arg(manifest.join("load/udp_echo.c"))
        .status()
        .unwrap();
    assert!(built.success(), "udp_echo.c does not build");

    let out = Command::new(env!("CARGO_BIN_EXE_load"))
        .args([
            "run", "--calls", "2", "--cps", "20", "--settle", "1", "--window", "3",
        ])
        .arg("--baseline-echo")
        .arg(&echo)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "load run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |v: &Value| {
        v.as_f64()
            .unwrap_or_else(|| panic!("not a number: {v} in {r}"))
    };

    assert_eq!(r["talking"], 2, "{r}");
    assert_eq!(r["live_at_window_start"], 2, "{r}");
    assert_eq!(r["live_at_window_end"], 2, "{r}");
    assert_eq!(r["sipp_failures"], serde_json::json!([]), "{r}");
    assert_eq!(r["engine_reports"]["completed"], 2, "{r}");
    // Both calls carried RTP both ways for the whole time.
    let reports = &r["engine_reports"];
    assert!(f(&reports["packets_sent"]) > 2.0 * 50.0 * 3.0, "{r}");
    assert!(f(&reports["packets_received"]) > 2.0 * 50.0 * 3.0, "{r}");
    // The probe saw one call's packets, about 50 a second.
    let cadence = &r["cadence_at_probe"];
    assert_eq!(cadence["streams"], 1, "{r}");
    assert!((120.0..=180.0).contains(&f(&cadence["packets"])), "{r}");
    assert!(f(&cadence["cadence_error_p50_ms"]) < 20.0, "{r}");
    assert!((0.8..=1.1).contains(&f(&r["rate_fraction"])), "{r}");
    assert!(f(&r["runqueue_wait_s"]) >= 0.0, "{r}");
    // CPU time and memory were read (two calls for 3 s may take no whole tick).
    assert!(f(&r["cpu_s"]) >= 0.0 && f(&r["window_s"]) >= 3.0, "{r}");
    assert!(f(&r["rss_steady_kib"]) > f(&r["rss_idle_kib"]) * 0.5, "{r}");
    let baseline = &r["baseline_udp_echo"];
    assert_eq!(baseline["streams"], 2, "{r}");
    let sent = f(&baseline["packets_sent"]);
    assert!((250.0..=350.0).contains(&sent), "{r}");
    assert!(f(&baseline["packets_echoed"]) > sent * 0.9, "{r}");
    assert!((0.8..=1.1).contains(&f(&baseline["rate_fraction"])), "{r}");
    assert!(
        r["ratio_to_udp_echo"].is_number() || f(&baseline["cpu_s"]) == 0.0,
        "{r}"
    );
}
