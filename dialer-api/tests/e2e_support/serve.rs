//! The real `trunkline serve` binary: a config file in a temporary directory, its SIP and HTTP
//! sockets on loopback, everything it prints (stdout and stderr, TRACE level) kept in a file
//! that the tests search for secrets.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::free_tcp_port;

const BIN: &str = env!("CARGO_BIN_EXE_trunkline");
/// Admin token of the end-to-end services.
pub const ADMIN: &str = "e2e-admin-token-0123456789abcdef";
/// Base64 of the 32-byte key that seals trunk passwords.
const SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// How to run one `serve` process.
#[derive(Debug, Clone)]
pub struct ServeSpec {
    /// `[storage] url`.
    pub storage_url: String,
    /// SIP port on 127.0.0.1 (fixed, so a restart gets the same one).
    pub sip_port: u16,
    /// `[sip] ring_timeout` in seconds.
    pub ring_timeout: u32,
    /// A name for its log file.
    pub name: String,
}

/// A running `trunkline serve` (killed when dropped).
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its output goes.
    pub log_path: PathBuf,
}

impl Serve {
    /// Writes the config into `dir`, starts the process and waits until `/health` answers.
    pub async fn start(dir: &Path, spec: &ServeSpec) -> Serve {
        let http_port = free_tcp_port();
        let config = dir.join(format!("{}.toml", spec.name));
        std::fs::write(
            &config,
            format!(
                "[sip]\nbind = \"127.0.0.1:{}\"\nring_timeout = {}\n\
                 [rtp]\nport_min = 30000\nport_max = 39999\n\
                 [http]\nbind = \"127.0.0.1:{http_port}\"\n[storage]\nurl = \"{}\"\n\
                 [auth]\nadmin_token = \"{ADMIN}\"\n[security]\nallow_private_handlers = true\n",
                spec.sip_port, spec.ring_timeout, spec.storage_url
            ),
        )
        .unwrap();
        let log_path = dir.join(format!("{}.log", spec.name));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&config)
            .env("TRUNKLINE_SECURITY__SECRET_KEY", SECRET_KEY)
            .env("RUST_LOG", "trace")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let serve = Serve {
            child,
            base: format!("http://127.0.0.1:{http_port}"),
            log_path,
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/health", serve.base)).send().await {
                if r.status().is_success() {
                    return serve;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "serve did not answer /health:\n{}",
            std::fs::read_to_string(&serve.log_path).unwrap_or_default()
        );
    }

    /// `kill -9`: nothing is hung up or settled.
    pub async fn kill9(&mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn terminate(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("serve stops within 30 s of SIGTERM")
            .unwrap();
        assert!(status.success(), "serve exited with {status}");
    }

    /// Everything it printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

/// Asserts that `secret` appears in none of the log files in `dir` (and that there is output
/// to search: TRACE logs of real calls).
pub fn assert_not_logged(dir: &Path, secret: &str) {
    let mut searched = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(&path).unwrap();
            searched += text.len();
            if let Some(line) = text.lines().find(|l| l.contains(secret)) {
                panic!("{} logged the trunk password: {line}", path.display());
            }
        }
    }
    assert!(searched > 10_000, "only {searched} bytes of serve output");
}
