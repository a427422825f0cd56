//! `trunkline demo` as a newcomer runs it: the whole batch on loopback,
//! its table checked row by row against `trunkline sim-trunk --predict`
//! for the same seed, the billing rule and the Twilio comparison; and bad
//! flags refused with the reason and exit code 2.

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dialer_api::billing::{Micros, Tariff};
use serde_json::Value;

/// A seed whose 20 demo numbers get all four outcomes (checked below).
const SEED: u64 = 7;
/// The longest a demo may take here before the test gives up (the one-minute
/// promise is checked on the time the demo prints).
const LIMIT: Duration = Duration::from_secs(120);

fn trunkline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trunkline"))
}

/// Runs the demo with `args`, killing it after [`LIMIT`].
fn demo(args: &[&str]) -> Output {
    let child = trunkline()
        .arg("demo")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("trunkline runs");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(output) => output.expect("demo output"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("trunkline demo {args:?} ran longer than {LIMIT:?}");
        }
    }
}

/// What `trunkline sim-trunk --predict` says for each number (with the
/// proportion flags `plan`): outcome and ring ms.
fn predictions(seed: u64, plan: &[&str], numbers: &[String]) -> HashMap<String, (String, u64)> {
    let mut cmd = trunkline();
    cmd.args(["sim-trunk", "--json", "--seed", &seed.to_string()]);
    cmd.args(plan);
    for n in numbers {
        cmd.args(["--predict", n]);
    }
    let out = cmd.output().expect("sim-trunk --predict runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            (
                v["number"].as_str().unwrap_or_default().to_owned(),
                (
                    v["outcome"].as_str().unwrap_or_default().to_owned(),
                    v["ring_ms"].as_u64().unwrap_or_default(),
                ),
            )
        })
        .collect()
}

/// One table row.
#[derive(Debug)]
struct Row {
    phone: String,
    status: String,
    expected: String,
    sip: Option<u16>,
    ring: Option<f64>,
    talk: Option<f64>,
    codec: String,
    mos: Option<f64>,
    cost: f64,
}

fn number<T: std::str::FromStr>(field: &str) -> Option<T> {
    (field != "-").then(|| field.parse().ok()).flatten()
}

fn rows(stdout: &str) -> Vec<Row> {
    let mut lines = stdout.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.starts_with("phone"), "header: {header}");
    assert!(
        ["status", "SIP", "ring s", "talk s", "codec", "MOS", "cost"]
            .iter()
            .all(|c| header.contains(c)),
        "header: {header}"
    );
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 9, "row: {line}");
            Row {
                phone: f[0].to_owned(),
                status: f[1].to_owned(),
                expected: f[2].to_owned(),
                sip: number(f[3]),
                ring: number(f[4]),
                talk: number(f[5]),
                codec: f[6].to_owned(),
                mos: number(f[7]),
                cost: number(f[8]).unwrap_or(f64::NAN),
            }
        })
        .collect()
}

fn status_for(outcome: &str) -> (&'static str, Option<u16>) {
    match outcome {
        "answer" => ("completed", Some(200)),
        "busy" => ("busy", Some(486)),
        "no_answer" => ("no_answer", None),
        "unavailable" => ("failed", Some(503)),
        other => panic!("unknown outcome {other}"),
    }
}

fn tariff(rate: f64, increment: u32) -> Tariff {
    Tariff {
        rate_per_minute: Micros::from_credits(rate).unwrap_or_default(),
        increment_seconds: increment,
    }
}

/// The dollar amounts of the `total cost:` line: trunk, its rate, Twilio,
/// its rate, saved.
fn totals(stdout: &str) -> Vec<f64> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("total cost:"))
        .unwrap_or_else(|| panic!("no total cost line in:\n{stdout}"));
    line.split(['$', '/', ';', ' '])
        .filter_map(|w| w.parse::<f64>().ok())
        .filter(|v| *v < 1000.0)
        .collect()
}

/// Checks every row against the prediction and the billing rule; returns
/// the rows.
fn check_table(
    stdout: &str,
    seed: u64,
    plan: &[&str],
    contacts: usize,
    talk: f64,
    trunk: Tariff,
    twilio: Tariff,
) -> Vec<Row> {
    let rows = rows(stdout);
    assert_eq!(rows.len(), contacts, "{stdout}");
    let numbers: Vec<String> = rows.iter().map(|r| r.phone.clone()).collect();
    let predicted = predictions(seed, plan, &numbers);
    let mut twilio_total = Micros(0);
    let mut trunk_total = 0.0;
    for row in &rows {
        let (outcome, ring_ms) = &predicted[&row.phone];
        let (status, sip) = status_for(outcome);
        assert_eq!(row.status, status, "{row:?} predicted {outcome}");
        assert_eq!(row.expected, status, "{row:?}");
        if sip.is_some() {
            assert_eq!(row.sip, sip, "{row:?}");
        }
        trunk_total += row.cost;
        if status == "completed" {
            assert_eq!(row.codec, "PCMU", "{row:?}");
            let mos = row.mos.unwrap_or_default();
            assert!((3.5..=4.5).contains(&mos), "MOS on loopback: {row:?}");
            let talk_s = row.talk.unwrap_or_default();
            assert!(
                talk_s >= talk - 0.1 && talk_s <= talk + 1.5,
                "the bot hangs up after {talk} s: {row:?}"
            );
            // Ringing as the seed says (the answer comes after the digest round trip).
            let ring = row.ring.unwrap_or_default();
            let want = *ring_ms as f64 / 1000.0;
            assert!(
                ring >= want - 0.05 && ring <= want + 1.0,
                "ring {ring} s, predicted {want} s: {row:?}"
            );
            // The table rounds talk to 10 ms; a started second is billed.
            let billable = (talk_s - 0.005).max(0.0).ceil() as u64;
            let cost = trunk.cost(billable).as_credits();
            let alt = trunk.cost(billable + 1).as_credits();
            assert!(
                (row.cost - cost).abs() < 5e-5 || (row.cost - alt).abs() < 5e-5,
                "cost of {billable} s: {row:?}"
            );
            twilio_total.0 += if (row.cost - cost).abs() < 5e-5 {
                twilio.cost(billable).0
            } else {
                twilio.cost(billable + 1).0
            };
        } else {
            assert_eq!(row.cost, 0.0, "{row:?}");
            assert_eq!((row.talk, row.mos), (None, None), "{row:?}");
            assert_eq!(row.codec, "-", "{row:?}");
        }
        if status == "no_answer" {
            // Cancelled after the engine's ring timeout (3 s longest ring + 2 s).
            let ring = row.ring.unwrap_or_default();
            assert!((4.9..=6.5).contains(&ring), "{row:?}");
        }
    }
    let t = totals(stdout);
    assert_eq!(t.len(), 5, "trunk, rate, Twilio, rate, saved: {t:?}");
    assert!((t[0] - trunk_total).abs() < 5e-5, "{t:?} vs {trunk_total}");
    assert!((t[1] - trunk.rate_per_minute.as_credits()).abs() < 1e-9);
    assert!((t[2] - twilio_total.as_credits()).abs() < 5e-5, "{t:?}");
    assert!((t[3] - twilio.rate_per_minute.as_credits()).abs() < 1e-9);
    assert!((t[4] - (t[2] - t[0])).abs() < 2e-4, "{t:?}");
    assert!(
        stdout.contains(&format!(
            "all {contacts} calls ended as seed {seed} predicts"
        )),
        "{stdout}"
    );
    rows
}

#[test]
fn the_demo_batch_ends_as_the_seed_predicts() {
    let out = demo(&["--seed", &SEED.to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    let rows = check_table(
        &stdout,
        SEED,
        &[],
        20,
        5.0,
        tariff(0.01, 60),
        tariff(0.02, 60),
    );
    for status in ["completed", "busy", "no_answer", "failed"] {
        assert!(
            rows.iter().any(|r| r.status == status),
            "seed {SEED} should give a {status} call: {rows:?}"
        );
    }
    // The README promises the demo in under a minute: the time it printed says so.
    let elapsed: f64 = stdout
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("20 calls in ")?;
            rest.split_once(" s:")?.0.parse().ok()
        })
        .unwrap_or_else(|| panic!("no '20 calls in N s' line:\n{stdout}"));
    assert!(elapsed < 60.0, "the demo took {elapsed} s");
    // Not a terminal: plain progress lines, ending with the whole batch done.
    assert!(
        stderr.contains("demo trunk registered with 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("20 contacts queued"), "{stderr}");
    assert!(stderr.contains("20/20 calls done"), "{stderr}");
    // The peers saw what the table says.
    let answered = rows.iter().filter(|r| r.status == "completed").count();
    assert!(
        stdout.contains(&format!(
            "trunk simulator: 1 registration(s), 20 calls ended; echo bot: 20 connections, \
             {answered} greetings acknowledged by mark"
        )),
        "{stdout}"
    );
}

#[test]
fn flags_change_the_batch_and_the_billing() {
    let plan = [
        "--answer",
        "1",
        "--busy",
        "1",
        "--no-answer",
        "0",
        "--unavailable",
        "0",
    ];
    let mut args = vec![
        "--seed",
        "3",
        "--contacts",
        "8",
        "--concurrency",
        "4",
        "--talk-seconds",
        "2",
        "--billing-increment",
        "6",
        "--trunk-rate-per-minute",
        "0.005",
        "--twilio-rate-per-minute",
        "0.03",
    ];
    args.extend(plan);
    let out = demo(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = check_table(&stdout, 3, &plan, 8, 2.0, tariff(0.005, 6), tariff(0.03, 6));
    assert!(
        rows.iter()
            .all(|r| r.status == "completed" || r.status == "busy"),
        "only answers and busy calls: {rows:?}"
    );
    assert!(stdout.contains("(6 s increments)"), "{stdout}");
}

#[test]
fn bad_flags_are_refused_with_the_reason_and_exit_code_2() {
    for (args, names) in [
        (vec!["--contacts", "0"], "--contacts"),
        (vec!["--concurrency", "500"], "--concurrency"),
        (vec!["--talk-seconds", "0"], "--talk-seconds"),
        (
            vec!["--twilio-rate-per-minute=-1"],
            "--twilio-rate-per-minute",
        ),
        (vec!["--busy", "lots"], "--busy"),
        (vec!["--speed", "9"], "--speed"),
    ] {
        let out = trunkline()
            .arg("demo")
            .args(&args)
            .output()
            .expect("trunkline runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = trunkline()
        .args([
            "demo",
            "--answer",
            "0",
            "--busy",
            "0",
            "--no-answer",
            "0",
            "--unavailable",
            "0",
        ])
        .output()
        .expect("trunkline runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("all zero"), "{stderr}");
}
