//! Runs the `transcode_file`, `jitter_demo` and `register_ua` examples as
//! real processes (cargo builds them next to the test binaries) and checks
//! what they print; `register_ua` registers with SIPp playing
//! `register_ua_registrar.xml` (digest checked with `verifyauth`).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../../dialer-api/tests/sipp_support/available.rs"]
mod available;
use available::sipp_available;

/// An example binary, built by `cargo test` next to the test's `deps` directory.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} not built", path.display());
    path
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number printed after `label` in `text`.
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("no '{label}' in {text}"))
        + label.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after '{label}' in {text}"))
}

#[test]
fn transcode_file_round_trips_a_tone_through_each_codec() {
    let dir = std::env::temp_dir().join(format!("trunkline-transcode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("tone.wav");
    // One second of 440 Hz at 16 kHz: the example resamples it to 8 kHz.
    let tone: Vec<i16> = (0..16_000)
        .map(|i| {
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 16_000.0).sin()) as i16
        })
        .collect();
    std::fs::write(&input, codecs::wav::write(16_000, &tone).unwrap()).unwrap();
    // SNR means little for the parametric codecs (G.729 keeps the tone, not the waveform):
    // those are checked on the level of what comes out.
    for (codec, bytes, kbps, min_snr) in [
        ("PCMU", 160.0, 64.0, 30.0),
        ("GSM", 33.0, 13.2, 3.0),
        ("G729", 20.0, 8.0, f64::NEG_INFINITY),
    ] {
        let output = dir.join(format!("out-{codec}.wav"));
        let out = Command::new(example("transcode_file"))
            .arg(&input)
            .arg(codec)
            .arg(&output)
            .output()
            .unwrap();
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("{codec}: 50 packets of")),
            "{text}"
        );
        assert_eq!(number_after(&text, "packets of"), bytes, "{text}");
        assert_eq!(number_after(&text, "bytes,"), kbps, "{text}");
        assert!(number_after(&text, "SNR") > min_snr, "{text}");
        let written = std::fs::read(&output).unwrap();
        let wav = codecs::wav::parse(&written).unwrap();
        assert_eq!((wav.sample_rate(), wav.len()), (8000, 8000));
        // A sine of amplitude 8000 has an RMS of 5657; after the first 100 ms the output's
        // level is within a third of it.
        let samples: Vec<f64> = wav.samples().skip(800).map(f64::from).collect();
        let rms = (samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64).sqrt();
        assert!((3800.0..7500.0).contains(&rms), "{codec}: output RMS {rms}");
    }
    let bad = Command::new(example("transcode_file"))
        .arg(&input)
        .arg("OPUS")
        .arg(dir.join("x.wav"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown codec 'OPUS'"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn jitter_demo_conceals_the_losses_and_keeps_the_delay_bounded() {
    let run = |args: &[&str]| {
        stdout(
            &Command::new(example("jitter_demo"))
                .args(args)
                .output()
                .unwrap(),
        )
    };
    // A clean link: everything played, nothing concealed.
    let clean = run(&["0", "0", "10", "1"]);
    assert_eq!(number_after(&clean, "sent"), 500.0, "{clean}");
    assert_eq!(number_after(&clean, "delivered"), 500.0, "{clean}");
    assert_eq!(number_after(&clean, "received"), 500.0, "{clean}");
    assert_eq!(number_after(&clean, "missing"), 0.0, "{clean}");
    assert_eq!(number_after(&clean, "concealed"), 0.0, "{clean}");
    assert_eq!(number_after(&clean, "late"), 0.0, "{clean}");
    // 5 % loss and up to 80 ms of jitter: losses are concealed (or skipped), the delay stays
    // within the buffer's 200 ms bound.
    let lossy = run(&["5", "80", "20", "7"]);
    let delivered = number_after(&lossy, "delivered");
    assert!(delivered < 1000.0 && delivered > 900.0, "{lossy}");
    assert!(number_after(&lossy, "missing") > 0.0, "{lossy}");
    assert!(
        number_after(&lossy, "concealed") + number_after(&lossy, "skipped") > 0.0,
        "{lossy}"
    );
    assert!(number_after(&lossy, "delay") <= 200.0, "{lossy}");
    // The same seed gives the same run.
    assert_eq!(lossy, run(&["5", "80", "20", "7"]));
}

#[test]
fn register_ua_registers_with_a_digest_checking_registrar_and_unregisters() {
    if !sipp_available() {
        return;
    }
    let scenario =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/register_ua_registrar.xml");
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sipp = Command::new("sipp")
        .arg("-sf")
        .arg(&scenario)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run sipp");
    let until = Instant::now() + Duration::from_secs(5);
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < until, "sipp did not take port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = Command::new(example("register_ua"))
        .args([&format!("127.0.0.1:{port}"), "alice", "secret"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("outcome: registered"), "{text}");
    // SIPp ends successfully only after the un-REGISTER it waits for last.
    let status = sipp.wait().unwrap();
    assert!(status.success(), "sipp exited with {status}");
}
