//! `trunkline sim-trunk` as a program: predictions, JSON event lines, a
//! SIPp OPTIONS ping, and a clean stop on SIGTERM.

mod sim_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use dialer_api::sim::{OutcomePlan, OutcomeRule};
use serde_json::Value;
use sim_support::*;

fn trunkline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trunkline"))
}

#[test]
fn predict_prints_what_the_library_predicts() {
    let out = trunkline()
        .args([
            "sim-trunk",
            "--seed",
            "99",
            "--rule",
            "*7=unavailable",
            "--json",
        ])
        .args([
            "--predict",
            "+60111",
            "--predict",
            "+60127",
            "--predict",
            "+60133",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let plan = OutcomePlan {
        seed: 99,
        rules: vec!["*7=unavailable".parse::<OutcomeRule>().unwrap()],
        ..OutcomePlan::default()
    };
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for line in lines {
        let number = line["number"].as_str().unwrap();
        let p = plan.predict(number);
        assert_eq!(line["outcome"], p.outcome.as_str(), "{number}");
        assert_eq!(line["ring_ms"], p.ring.as_millis() as u64, "{number}");
    }
}

#[test]
fn bad_flags_are_refused_with_the_reason() {
    let out = trunkline()
        .args([
            "sim-trunk",
            "--answer",
            "0",
            "--busy",
            "0",
            "--no-answer",
            "0",
        ])
        .args(["--unavailable", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("are all zero"), "{err}");
    let out = trunkline()
        .args(["sim-trunk", "--codecs", "PCMU,OPUS"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown codec 'OPUS'"));
    let out = trunkline()
        .args(["sim-trunk", "--rule", "1*2=busy"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_json_events_and_stops_on_sigterm() {
    if !sipp_available() {
        return;
    }
    let mut child = trunkline()
        .args(["sim-trunk", "--bind", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "listening");
    let addr = first["sip"].as_str().unwrap().parse().unwrap();
    let run = run_sipp(addr, "options.xml", &[], &["-m", "1"]).await;
    assert_eq!(run.code, Some(0), "{}", run.output);
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(second["event"], "options");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(lines.next().is_none());
}
