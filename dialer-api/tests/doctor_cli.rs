//! `trunkline doctor` as a program against the trunk simulator and the echo
//! bot (both in this process, on loopback): everything passes on a correct
//! setup, and each broken piece fails with its message and advice.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use dialer_api::echo_bot::{EchoBot, EchoBotConfig};
use dialer_api::sim::{OutcomeRule, SimConfig, SimTrunk, WrongPassword};

/// The number the codec check calls; the simulator answers it.
const TEST_NUMBER: &str = "+60198765432";

/// The codecs the configured trunk offers (AlienVOIP's).
const OFFER: &str = "\"PCMU\", \"G729\", \"GSM\"";

/// What one run printed and how it exited.
struct Run {
    code: Option<i32>,
    stdout: String,
    took: Duration,
}

impl Run {
    fn line(&self, start: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{}", self.stdout))
    }
}

async fn doctor(config: &Path, extra: &[&str]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_trunkline"));
    for (name, _) in std::env::vars() {
        if name.starts_with("TRUNKLINE_") {
            command.env_remove(name);
        }
    }
    let started = Instant::now();
    let out = command
        .arg("doctor")
        .arg("--config")
        .arg(config)
        .args(extra)
        .output()
        .await
        .expect("run trunkline doctor");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        took: started.elapsed(),
    };
    println!(
        "--- doctor ({} ms):\n{}--- stderr:\n{}",
        run.took.as_millis(),
        run.stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

/// A simulator that answers the test number at once.
async fn sim(wrong_password: WrongPassword) -> SimTrunk {
    sim_with_codecs(wrong_password, SimConfig::default().codecs).await
}

/// The same, taking only `codecs`.
async fn sim_with_codecs(wrong_password: WrongPassword, codecs: Vec<codecs::Codec>) -> SimTrunk {
    let mut config = SimConfig::loopback();
    config.codecs = codecs;
    config.wrong_password = wrong_password;
    config.plan.rules = vec!["+6019*=answer".parse::<OutcomeRule>().unwrap()];
    config.plan.ring_min = Duration::from_millis(100);
    config.plan.ring_max = Duration::from_millis(200);
    SimTrunk::start(config).await.expect("start the simulator")
}

/// A free even/odd UDP port pair on loopback, held (returned sockets) or not.
fn free_pair() -> (u16, UdpSocket, UdpSocket) {
    for _ in 0..100 {
        let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port() & !1;
        drop(probe);
        if base < 1024 {
            continue;
        }
        if let (Ok(a), Ok(b)) = (
            UdpSocket::bind(("127.0.0.1", base)),
            UdpSocket::bind(("127.0.0.1", base + 1)),
        ) {
            return (base, a, b);
        }
    }
    panic!("no free UDP port pair on 127.0.0.1");
}

/// The configuration file text.
struct Setup {
    proxy: SocketAddr,
    password: &'static str,
    rtp: u16,
    handler: String,
    test_number: Option<&'static str>,
    /// The trunk's codecs, as TOML array items.
    codecs: &'static str,
}

impl Setup {
    fn write(&self, dir: &Path) -> std::path::PathBuf {
        let mut text = format!(
            "[sip]\nbind = \"127.0.0.1:0\"\n\
             [rtp]\nport_min = {}\nport_max = {}\n\
             [[trunks]]\nname = \"sim\"\nproxies = [\"{}\"]\nusername = \"trunkline\"\n\
             password = \"{}\"\ncaller_id = \"+60123456789\"\ncodecs = [{}]\n\
             [handler]\nurl = \"{}\"\nprotocol = \"twilio\"\n",
            self.rtp,
            self.rtp + 1,
            self.proxy,
            self.password,
            self.codecs,
            self.handler
        );
        if let Some(n) = self.test_number {
            text.push_str(&format!("[doctor]\ntest_number = \"{n}\"\n"));
        }
        let path = dir.join("trunkline.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_passes_against_the_simulator_and_the_echo_bot() {
    let trunk = sim(WrongPassword::Forbidden).await;
    let bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let (rtp, a, b) = free_pair();
    drop((a, b));
    let dir = tempfile::tempdir().unwrap();
    let config = Setup {
        proxy: trunk.local_addr(),
        password: "secret",
        rtp,
        handler: bot.url(),
        test_number: Some(TEST_NUMBER),
        codecs: OFFER,
    }
    .write(dir.path());
    let run = doctor(&config, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let proxy = trunk.local_addr();
    for start in [
        "PASS config ",
        "PASS sip socket: 127.0.0.1:0",
        "PASS trunk: 'sim'",
        "PASS dns 127.0.0.1: 127.0.0.1 is an IP address",
        &format!("PASS options {proxy}: 200 OK in "),
        "PASS nat: 127.0.0.1 sees us at 127.0.0.1",
        &format!("PASS register {proxy}: registered as trunkline with 127.0.0.1 for "),
        &format!(
            "PASS codecs: offered PCMU, G729, GSM; test call to {TEST_NUMBER} via {proxy} answered with PCMU/8000 (payload type 0)"
        ),
        &format!("PASS rtp ports: {rtp}-{} on 127.0.0.1", rtp + 1),
        &format!(
            "PASS handler: {} (twilio): WebSocket upgraded and `connected` sent, still open after 0.5 s",
            bot.url()
        ),
        "doctor: 10 passed, 0 failed, 0 skipped",
    ] {
        run.line(start);
    }
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
    assert!(run.took < Duration::from_secs(20), "took {:?}", run.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_password_fails_registration_with_403_and_advice() {
    let trunk = sim(WrongPassword::Forbidden).await;
    let bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Setup {
        proxy: trunk.local_addr(),
        password: "not-the-password",
        rtp: free_pair().0,
        handler: bot.url(),
        test_number: Some(TEST_NUMBER),
        codecs: OFFER,
    }
    .write(dir.path());
    let run = doctor(&config, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let proxy = trunk.local_addr();
    assert_eq!(
        run.line("FAIL register"),
        format!(
            "FAIL register {proxy}: SIP registration failed: 403 Forbidden from 127.0.0.1: \
             check username and password in the trunk settings"
        )
    );
    // Nothing to call through: the codec line says why and still lists the offer.
    assert_eq!(
        run.line("SKIP codecs"),
        "SKIP codecs: offered PCMU, G729, GSM; no proxy to place the test call through (see the failures above)"
    );
    run.line(&format!("PASS options {proxy}"));
    run.line("doctor: 8 passed, 1 failed, 1 skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_loop_fails_registration_as_wrong_credentials() {
    let trunk = sim(WrongPassword::Challenge).await;
    let dir = tempfile::tempdir().unwrap();
    let config = Setup {
        proxy: trunk.local_addr(),
        password: "not-the-password",
        rtp: free_pair().0,
        handler: "ws://127.0.0.1:9/stream".into(),
        test_number: None,
        codecs: OFFER,
    }
    .write(dir.path());
    let run = doctor(&config, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.line("FAIL register");
    assert!(
        line.contains(
            "SIP registration failed: 401 Unauthorized (wrong credentials?) from 127.0.0.1"
        ),
        "{line}"
    );
    assert!(
        line.ends_with(
            "check username and password in the trunk settings (and domain, which names the realm)"
        ),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_handler_and_held_rtp_ports_fail_with_their_messages() {
    let trunk = sim(WrongPassword::Forbidden).await;
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (rtp, held_rtp, held_rtcp) = free_pair();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("ws://{closed}/stream");
    let config = Setup {
        proxy: trunk.local_addr(),
        password: "secret",
        rtp,
        handler: url.clone(),
        test_number: None,
        codecs: OFFER,
    }
    .write(dir.path());
    let run = doctor(&config, &[]).await;
    drop((held_rtp, held_rtcp));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(
        run.line("FAIL handler"),
        format!(
            "FAIL handler: handler {url}: connection refused: start your handler or fix [handler] url"
        )
    );
    let line = run.line("FAIL rtp ports");
    assert!(
        line.starts_with(&format!(
            "FAIL rtp ports: {rtp}-{} on 127.0.0.1: cannot bind port {rtp}: Address already in use",
            rtp + 1
        )),
        "{line}"
    );
    assert!(
        line.ends_with(
            "another program holds these ports: stop it or move [rtp] port_min/port_max to a free range"
        ),
        "{line}"
    );
    // Without a test number the codec check is skipped, saying what is offered.
    run.line("SKIP codecs: offered PCMU, G729, GSM; set [doctor] test_number");
    run.line(&format!("PASS register {}", trunk.local_addr()));
    run.line("doctor: 7 passed, 2 failed, 1 skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_proxy_fails_options_with_the_timeout_message() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let proxy = silent.local_addr().unwrap();
    let bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Setup {
        proxy,
        password: "secret",
        rtp: free_pair().0,
        handler: bot.url(),
        test_number: None,
        codecs: OFFER,
    }
    .write(dir.path());
    let run = doctor(&config, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(
        run.line("FAIL options"),
        format!(
            "FAIL options {proxy}: no answer from {proxy} in 4 s: check the host, port and that UDP {} outbound is open",
            proxy.port()
        )
    );
    run.line("SKIP nat: no proxy answered OPTIONS");
    run.line(&format!(
        "FAIL register {proxy}: SIP registration failed: no answer to REGISTER from {proxy} in 4 s"
    ));
    run.line("PASS handler");
    // Every wait is bounded: two 4 s waits and the short ones.
    assert!(run.took < Duration::from_secs(15), "took {:?}", run.took);
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_stops_at_the_configuration_with_key_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trunkline.toml");
    std::fs::write(
        &path,
        "[[trunks]]\nname = \"t\"\nproxies = [\"sip1.alienvoip.com\"]\nusername = \"u\"\ncaller_id = \"12345\"\n",
    )
    .unwrap();
    let run = doctor(&path, &[]).await;
    assert_eq!(run.code, Some(1));
    let line = run.line("FAIL config");
    assert!(
        line.contains("trunks[0].caller_id: '12345' has no country code"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("fix trunks[0].caller_id in {}", path.display())),
        "{line}"
    );
    assert_eq!(
        run.stdout.lines().count(),
        2,
        "only the config line and the stop line:\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trunk_without_a_common_codec_fails_the_codec_check() {
    let trunk = sim_with_codecs(WrongPassword::Forbidden, vec![codecs::Codec::Pcma]).await;
    let bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Setup {
        proxy: trunk.local_addr(),
        password: "secret",
        rtp: free_pair().0,
        handler: bot.url(),
        test_number: None,
        codecs: "\"PCMU\", \"GSM\"",
    }
    .write(dir.path());
    let run = doctor(&config, &["--test-number", TEST_NUMBER]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.line("FAIL codecs");
    assert!(
        line.starts_with(&format!(
            "FAIL codecs: offered PCMU, GSM; test call to {TEST_NUMBER} via {}: call rejected: 488",
            trunk.local_addr()
        )),
        "{line}"
    );
    assert!(
        line.ends_with(
            "the trunk takes none of PCMU, GSM: ask the provider which codecs it accepts and list one in the trunk's codecs"
        ),
        "{line}"
    );
    run.line("doctor: 9 passed, 1 failed, 0 skipped");
}
