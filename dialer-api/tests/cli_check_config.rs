//! `trunkline check-config` end to end: the real binary, a real file, real environment.

use std::process::Command;

fn check(config: &str, vars: &[(&str, &str)]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trunkline.toml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trunkline"));
    cmd.arg("check-config").arg("--config").arg(&path);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TRUNK: &str = r#"
[[trunks]]
name = "alienvoip"
proxies = ["sip1.alienvoip.com:5060", "sip3.alienvoip.com:5060"]
username = "646006395"
password = "topsecret-password"
caller_id = "+60123456789"
"#;

#[test]
fn bad_caller_id_fails_with_the_key_and_reason() {
    let (ok, _, stderr) = check(&TRUNK.replace("+60123456789", "+6012"), &[]);
    assert!(!ok);
    assert_eq!(
        stderr.trim(),
        "trunkline: trunks[0].caller_id: '+6012' is not a valid E.164 number"
    );
}

#[test]
fn environment_overrides_reach_the_binary_and_secrets_stay_hidden() {
    let (ok, stdout, stderr) = check(
        TRUNK,
        &[
            ("TRUNKLINE_SIP__BIND", "127.0.0.1:5090"),
            ("TRUNKLINE_TRUNKS__0__PASSWORD", "env-password-123"),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("127.0.0.1:5090"), "{stdout}");
    assert!(stdout.contains("sip3.alienvoip.com"));
    assert!(!stdout.contains("env-password-123"));
    assert!(!stdout.contains("topsecret-password"));
}
