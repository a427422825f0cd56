//! The README's walkthrough, run as written: its blocks are cut out of README.md by their
//! `<!-- name -->` markers and run with `sh -e` against real peers on 127.0.0.1: the trunk
//! simulator (`trunkline sim-trunk`) stands in for the SIP trunk and the echo bot
//! (`trunkline echo-bot`) for the AI handler. Only addresses and ports are changed, through the
//! `TRUNKLINE_<SECTION>__<KEY>` overrides the README itself teaches, so the README's TOML,
//! commands and curl lines cannot go stale without this test failing.

use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_trunkline");
/// Admin token and secret key of the `serve` run (the README generates its own).
const ADMIN_TOKEN: &str = "readme-admin-token-0123456789";
const SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("dialer-api sits in the workspace")
        .to_path_buf()
}

fn readme() -> String {
    std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md is readable")
}

/// The fenced block right after the line `<!-- name -->` (as `.ci/run` cuts its blocks).
fn block(readme: &str, name: &str) -> String {
    let marker = format!("<!-- {name} -->");
    let mut lines = readme.lines().skip_while(|l| l.trim() != marker).skip(1);
    let fence = lines.next().unwrap_or_default();
    assert!(
        fence.starts_with("```"),
        "README.md: {marker} must be followed by a fenced block, found {fence:?}"
    );
    let body: Vec<&str> = lines.take_while(|l| l.trim_end() != "```").collect();
    assert!(
        !body.is_empty(),
        "README.md: the block after {marker} is empty"
    );
    body.join("\n") + "\n"
}

/// A free port on 127.0.0.1 (TCP or UDP).
fn free_port(udp: bool) -> u16 {
    if udp {
        std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .map(|a| a.port())
            .expect("a free UDP port")
    } else {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free TCP port")
    }
}

/// A `trunkline sim-trunk` or `trunkline echo-bot` child printing JSON event lines.
struct Peer {
    child: Child,
    first: Value,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Peer {
    fn start(args: &[&str]) -> Peer {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("trunkline starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first_line = lines
            .next()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("trunkline {args:?} printed nothing"));
        let first: Value = serde_json::from_str(&first_line)
            .unwrap_or_else(|e| panic!("{first_line:?} is not JSON: {e}"));
        assert_eq!(first["event"], "listening", "{first}");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<Value>(&line) {
                    sink.lock().expect("event list").push(event);
                }
            }
        });
        Peer {
            child,
            first,
            events,
        }
    }

    /// The events named `name` printed so far.
    fn events(&self, name: &str) -> Vec<Value> {
        self.events
            .lock()
            .expect("event list")
            .iter()
            .filter(|e| e["event"] == name)
            .cloned()
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `trunkline serve`, killed if the test ends early.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `sh -c script` in `dir` with `env` and none of the caller's `TRUNKLINE_*` variables.
fn sh(script: &str, dir: &Path, env: &[(String, String)]) -> Command {
    let mut command = Command::new("sh");
    for (name, _) in std::env::vars() {
        if name.starts_with("TRUNKLINE_") {
            command.env_remove(name);
        }
    }
    command
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// An RTP range of four free port pairs on 127.0.0.1 (`doctor` binds both ends of it).
fn free_rtp_range() -> (u16, u16) {
    for _ in 0..200 {
        let base = free_port(true) & !1;
        if !(1024..=65_000).contains(&base) {
            continue;
        }
        let held: Vec<_> = (base..base + 8)
            .map_while(|p| std::net::UdpSocket::bind(("127.0.0.1", p)).ok())
            .collect();
        if held.len() == 8 {
            return (base, base + 7);
        }
    }
    panic!("no eight free UDP ports in a row on 127.0.0.1")
}

/// Runs `script` with `sh -e` in `dir`; fails the test if it takes longer than `limit`.
fn run_sh(script: &str, dir: &Path, env: &[(String, String)], limit: Duration) -> Output {
    let stdout = dir.join("script.out");
    let stderr = dir.join("script.err");
    let mut child = sh(&format!("set -e\n{script}"), dir, env)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("stdout file"))
        .stderr(File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("sh starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sh") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the README block did not finish within {limit:?}:\n{script}\n--- stdout\n{}\n--- stderr\n{}",
                std::fs::read_to_string(&stdout).unwrap_or_default(),
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(&stdout).unwrap_or_default(),
        stderr: std::fs::read(&stderr).unwrap_or_default(),
    }
}

/// The README's `path-command` block, run from the workspace root, then `cd` back to `dir`.
/// When cargo built the binary somewhere else (`CARGO_TARGET_DIR`), that directory goes on
/// `PATH` instead, and the test says so.
fn path_prelude(readme: &str) -> String {
    let root = workspace_root();
    let built = std::fs::canonicalize(BIN).expect("the test binary exists");
    let readme_bin = std::fs::canonicalize(root.join("target/release/trunkline")).ok();
    if readme_bin.as_ref() == Some(&built) {
        format!(
            "cd '{}'\n{}cd \"$WORK\"\n",
            root.display(),
            block(readme, "path-command")
        )
    } else {
        let dir = built.parent().expect("a directory").display().to_string();
        println!(
            "note: {} is not target/release/trunkline (another target dir or profile); \
             putting {dir} on PATH instead of running the README's path-command",
            built.display()
        );
        format!("export PATH='{dir}':\"$PATH\"\ncd \"$WORK\"\n")
    }
}

/// The value of `NAME='value'` in a README block.
fn exported(script: &str, name: &str) -> String {
    let prefix = format!("export {name}='");
    script
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.split_once('\''))
        .map(|(value, _)| value.to_owned())
        .unwrap_or_else(|| panic!("the README exports no {name}='...'"))
}

/// Every JSON value in `text`, written one after another (curl prints no newline).
fn json_values(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text.trim())
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not a run of JSON values ({e}):\n{text}"))
}

fn micros(value: &Value) -> i64 {
    (value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
        * 1e6)
        .round() as i64
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits until `GET url` answers 2xx (curl, as the README uses it).
fn wait_for_http(url: &str, server: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ok = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", url])
            .status()
            .expect("curl runs (apt-get install curl)")
            .success();
        if ok {
            return;
        }
        if let Ok(Some(status)) = server.try_wait() {
            panic!("trunkline serve exited early: {status}");
        }
        assert!(Instant::now() < deadline, "{url} did not answer in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme = readme();
    let config = block(&readme, "trunk-config");
    let commands = block(&readme, "trunk-commands");
    let serve = block(&readme, "serve-command");
    let api = block(&readme, "api-example");

    let parsed: toml::Value = toml::from_str(&config).expect("the README's TOML parses");
    let username = parsed["trunks"][0]["username"]
        .as_str()
        .expect("the README's trunk has a username")
        .to_owned();
    let password = exported(&commands, "TRUNKLINE_TRUNKS__0__PASSWORD");

    // The trunk: accepts the README's account, answers every number after a short ring,
    // hangs up after two seconds of talk. The handler: the echo bot, which never hangs up.
    let sim = Peer::start(&[
        "sim-trunk",
        "--bind",
        "127.0.0.1:0",
        "--json",
        "--username",
        &username,
        "--password",
        &password,
        "--answer",
        "1",
        "--busy",
        "0",
        "--no-answer",
        "0",
        "--unavailable",
        "0",
        "--ring-min",
        "0.2",
        "--ring-max",
        "0.5",
        "--greeting-seconds",
        "0.5",
        "--talk-seconds",
        "2",
    ]);
    let trunk = sim.first["sip"]
        .as_str()
        .expect("sim-trunk prints its SIP address")
        .to_owned();
    let bot = Peer::start(&[
        "echo-bot",
        "--bind",
        "127.0.0.1:0",
        "--hangup-after",
        "0",
        "--json",
    ]);
    let handler_url = bot.first["url"]
        .as_str()
        .expect("echo-bot prints its URL")
        .to_owned();

    let work = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(work.path().join("trunkline.toml"), &config).expect("write trunkline.toml");
    let http = format!("127.0.0.1:{}", free_port(false));
    let (rtp_min, rtp_max) = free_rtp_range();
    let overrides: Vec<(String, String)> = [
        ("WORK", work.path().display().to_string()),
        (
            "TRUNKLINE_SIP__BIND",
            format!("127.0.0.1:{}", free_port(true)),
        ),
        ("TRUNKLINE_TRUNKS__0__PROXIES", trunk.clone()),
        ("TRUNKLINE_HANDLER__URL", handler_url.clone()),
        ("TRUNKLINE_HTTP__BIND", http.clone()),
        ("TRUNKLINE_RTP__PORT_MIN", rtp_min.to_string()),
        ("TRUNKLINE_RTP__PORT_MAX", rtp_max.to_string()),
        ("TRUNKLINE_SECURITY__ALLOW_PRIVATE_HANDLERS", "true".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let prelude = path_prelude(&readme);

    // check-config, register, call.
    let out = run_sh(
        &format!("{prelude}{commands}"),
        work.path(),
        &overrides,
        Duration::from_secs(90),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "the trunk commands failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let trunk_port = trunk.rsplit_once(':').map(|(_, p)| p).unwrap_or_default();
    assert!(
        stdout.contains("name: \"alienvoip\"") && stdout.contains(&format!("port: {trunk_port},")),
        "check-config shows the trunk with the overridden proxy:\n{stdout}"
    );
    assert!(
        !stdout.contains(&password) && !stderr.contains(&password),
        "the trunk password was printed:\n{stdout}\n{stderr}"
    );
    for check in [
        "PASS options",
        "PASS register",
        "PASS rtp ports",
        "PASS handler",
    ] {
        assert!(
            stdout.contains(check),
            "doctor did not print {check}:\n{stdout}"
        );
    }
    assert!(
        stdout.contains(", 0 failed,") && !stdout.contains("FAIL"),
        "doctor found a failure:\n{stdout}"
    );
    assert!(
        stdout.contains("registered with 127.0.0.1") && stdout.contains("unregistered from"),
        "register's report:\n{stdout}"
    );
    let report: Value = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("call printed no JSON report:\n{stdout}"));
    assert_eq!(report["to"], "+60198765432", "{report}");
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(report["sip_status"], 200, "{report}");
    assert_eq!(report["codec"], "PCMU", "{report}");
    assert!(report["error"].is_null(), "{report}");
    assert!(
        report["packets_received"].as_u64().unwrap_or(0) > 50,
        "{report}"
    );
    assert!(
        !sim.events("registered").is_empty(),
        "the simulator saw no registration"
    );

    // serve, started exactly as the README says, with the test's secrets.
    let mut server = Server(
        sh(
            &format!("{prelude}exec {}", serve.trim()),
            work.path(),
            &overrides,
        )
        .env("TRUNKLINE_AUTH__ADMIN_TOKEN", ADMIN_TOKEN)
        .env("TRUNKLINE_SECURITY__SECRET_KEY", SECRET_KEY)
        .spawn()
        .expect("trunkline serve starts"),
    );
    let base = format!("http://{http}");
    wait_for_http(&format!("{base}/health"), &mut server.0);

    // The curl walkthrough.
    let mut env = overrides.clone();
    env.extend(
        [
            ("TRUNKLINE", base.clone()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            ("TRUNK_PROXY", trunk.clone()),
            ("TRUNK_USER", username.clone()),
            ("TRUNK_PASSWORD", password.clone()),
            ("HANDLER_URL", handler_url.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let out = run_sh(
        &format!("{prelude}{api}"),
        work.path(),
        &env,
        Duration::from_secs(120),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "the API example failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        !stdout.contains(&password),
        "the trunk password came back:\n{stdout}"
    );

    let (before, after) = stdout
        .split_once("completed · in progress 0 · failed 0 · cost 0.0200 credits\n")
        .unwrap_or_else(|| panic!("batch watch did not report the batch completed:\n{stdout}"));
    let before = json_values(before);
    assert_eq!(
        before.len(),
        2,
        "top-up and phone config answers: {before:?}"
    );
    assert_eq!(micros(&before[0]["balance"]), 50_000_000, "{}", before[0]);
    assert_eq!(before[1]["password_set"], true, "{}", before[1]);
    assert_eq!(before[1]["proxies"][0], trunk.as_str(), "{}", before[1]);

    let submitted: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("batch.json")).expect("batch.json written"),
    )
    .expect("batch.json is JSON");
    assert_eq!(submitted["accepted"], 2, "{submitted}");
    assert_eq!(submitted["rejected"], Value::Array(vec![]), "{submitted}");

    let after = json_values(after);
    assert_eq!(after.len(), 2, "batch and call log answers: {after:?}");
    let batch = &after[0];
    assert_eq!(batch["id"], submitted["id"], "{batch}");
    assert_eq!(batch["state"], "completed", "{batch}");
    assert_eq!(batch["progress"]["completed"], 2, "{batch}");
    // Two calls of a few seconds at 0.01 credits a minute, billed by the minute.
    assert_eq!(micros(&batch["progress"]["cost"]), 20_000, "{batch}");
    let calls = after[1]["calls"].as_array().expect("a page of calls");
    let mut phones: Vec<&str> = calls.iter().filter_map(|c| c["phone"].as_str()).collect();
    phones.sort_unstable();
    assert_eq!(phones, ["+60123000001", "+60123000002"], "{calls:?}");
    for call in calls {
        assert_eq!(call["status"], "completed", "{call}");
        assert_eq!(call["sip_status"], 200, "{call}");
        assert_eq!(call["codec"], "PCMU", "{call}");
        assert_eq!(micros(&call["cost"]), 10_000, "{call}");
    }
    let bot_calls = bot.events("ended").len();
    assert!(
        bot_calls >= 3,
        "the echo bot served {bot_calls} calls, not the README's three"
    );

    // SIGTERM: serve finishes and exits 0.
    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("wait for serve") {
            break status;
        }
        if Instant::now() > deadline {
            panic!("trunkline serve did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "serve exited with {status}");
}
