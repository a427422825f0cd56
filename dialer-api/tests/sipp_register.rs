//! `trunkline register` against SIPp registrars that challenge with digest
//! and check the answer with `verifyauth`.

mod sipp_support;

use std::process::Output;
use std::time::Duration;

use sipp_support::sipp::{self, Sipp, assert_sipp_ok};

fn config(dir: &std::path::Path, proxies: &[String], password: &str) -> std::path::PathBuf {
    let list: Vec<String> = proxies.iter().map(|p| format!("\"{p}\"")).collect();
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n\
         [[trunks]]\nname = \"main\"\nproxies = [{}]\nusername = \"alice\"\npassword = \"{password}\"\n\
         caller_id = \"+60123456789\"\nregister_expires = 300\n",
        list.join(", ")
    );
    let path = dir.join("trunkline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn register(config: &std::path::Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .arg("register")
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap()
}

fn registrar(password: &str) -> Vec<String> {
    [
        "-key",
        "user",
        "alice",
        "-key",
        "pass",
        password,
        "-key",
        "realm",
        "trunk.test",
        "-key",
        "expires",
        "300",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test]
async fn registers_with_digest_then_unregisters() {
    if !sipp::available() {
        return;
    }
    let args = registrar("s3cret");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let trunk = Sipp::start("engine_registrar.xml", &args).await;
    let dir = tempfile::tempdir().unwrap();
    let out = register(&config(dir.path(), &[trunk.proxy()], "s3cret")).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert_eq!(
        stdout, "registered with 127.0.0.1 for 300 s\nunregistered from 127.0.0.1\n",
        "stderr: {stderr}"
    );
    // SIPp checked both digest answers with verifyauth, and the un-REGISTER's Expires: 0.
    assert_sipp_ok(trunk).await;
}

#[tokio::test]
async fn fails_over_to_the_secondary_when_the_primary_is_unavailable() {
    if !sipp::available() {
        return;
    }
    let primary = Sipp::start("engine_register_503.xml", &[]).await;
    let args = registrar("s3cret");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let secondary = Sipp::start("engine_registrar.xml", &args).await;
    // The secondary by name, so the report tells the two apart.
    let proxies = [
        primary.proxy(),
        format!("localhost:{}", secondary.addr().port()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = register(&config(dir.path(), &proxies, "s3cret")).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        "registration failed: 503 Service Unavailable from 127.0.0.1\n\
         registered with localhost for 300 s\n\
         unregistered from localhost\n"
    );
    assert_sipp_ok(primary).await;
    assert_sipp_ok(secondary).await;
}

#[tokio::test]
async fn a_wrong_password_fails_with_each_proxys_answer() {
    if !sipp::available() {
        return;
    }
    // The primary is unavailable; the secondary knows alice with another password.
    let primary = Sipp::start("engine_register_503.xml", &[]).await;
    let args = registrar("other");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let secondary = Sipp::start("engine_registrar.xml", &args).await;
    let proxies = [
        primary.proxy(),
        format!("localhost:{}", secondary.addr().port()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        register(&config(dir.path(), &proxies, "s3cret")),
    )
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "registration failed: 503 Service Unavailable from 127.0.0.1\n\
         registration failed: 403 Forbidden from localhost\n"
    );
    assert_sipp_ok(primary).await;
    assert_sipp_ok(secondary).await;
}
