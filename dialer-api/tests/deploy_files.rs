//! The deployment files under `deploy/` stay in step with the binary: the
//! example configuration loads through the real loader, and every command
//! line of the systemd unit uses subcommands and flags `trunkline` accepts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// The binary, with no TRUNKLINE_* variable from the environment leaking in.
fn trunkline() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trunkline"));
    for (name, _) in std::env::vars() {
        if name.starts_with("TRUNKLINE_") {
            command.env_remove(name);
        }
    }
    command
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_alienvoip_example_passes_check_config_with_the_providers_values() {
    let path = repo().join("deploy/alienvoip.example.toml");
    let out = trunkline()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");
    for expected in [
        "host: \"sip1.alienvoip.com\"",
        "host: \"sip3.alienvoip.com\"",
        "port: 5060",
        "Udp",
        "Pcmu",
        "G729",
        "Gsm",
        "caller_id: \"+60123456789\"",
    ] {
        assert!(printed.contains(expected), "missing {expected}:\n{printed}");
    }
    let sip1 = printed.find("sip1.alienvoip.com").unwrap();
    let sip3 = printed.find("sip3.alienvoip.com").unwrap();
    assert!(sip1 < sip3, "sip1 must be the primary:\n{printed}");
    // With the secrets of trunkline.env.example set, it still validates.
    let out = trunkline()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("TRUNKLINE_TRUNKS__0__PASSWORD", "pw")
        .env("TRUNKLINE_AUTH__ADMIN_TOKEN", "0123456789abcdef0123")
        .env(
            "TRUNKLINE_SECURITY__SECRET_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn the_env_example_names_only_keys_the_loader_knows() {
    let env = std::fs::read_to_string(repo().join("deploy/trunkline.env.example")).unwrap();
    let mut command = trunkline();
    command
        .args(["check-config", "--config"])
        .arg(repo().join("deploy/alienvoip.example.toml"));
    let mut names = 0;
    for line in env.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, _) = line.split_once('=').expect("NAME=value");
        assert!(name.starts_with("TRUNKLINE_"), "{line}");
        // A placeholder value is fine; an unknown name is an error.
        let value = match name {
            "TRUNKLINE_SECURITY__SECRET_KEY" => "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            _ => "0123456789abcdef0123",
        };
        command.env(name, value);
        names += 1;
    }
    assert_eq!(names, 3);
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// `ExecStart=` and `ExecStartPre=` lines of the unit, split into words.
fn exec_lines(unit: &str) -> Vec<(String, Vec<String>)> {
    unit.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(key, _)| key.trim().starts_with("Exec"))
        .map(|(key, value)| {
            (
                key.trim().to_owned(),
                value.split_whitespace().map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[test]
fn the_systemd_unit_runs_commands_the_binary_accepts() {
    let unit = std::fs::read_to_string(repo().join("deploy/trunkline.service")).unwrap();
    let lines = exec_lines(&unit);
    assert!(
        lines.iter().any(|(key, _)| key == "ExecStart"),
        "no ExecStart in the unit"
    );
    for (key, words) in &lines {
        let (program, args) = words.split_first().expect("a command");
        assert!(program.ends_with("/trunkline"), "{key}: {program}");
        let (subcommand, flags) = args.split_first().expect("a subcommand");
        let help = trunkline().args([subcommand, "--help"]).output().unwrap();
        let help_text = text(&help);
        assert!(
            help.status.success(),
            "{key}: `trunkline {subcommand}`: {help_text}"
        );
        let mut config = None;
        let mut rest = flags.iter();
        while let Some(flag) = rest.next() {
            assert!(flag.starts_with("--"), "{key}: unexpected word {flag}");
            assert!(
                help_text.contains(flag.as_str()),
                "{key}: `trunkline {subcommand}` has no {flag}:\n{help_text}"
            );
            if flag == "--config" {
                config = rest.next().cloned();
            }
        }
        // The config path is the one the README installs the example to.
        assert_eq!(
            config.as_deref(),
            Some("/etc/trunkline/trunkline.toml"),
            "{key}"
        );
    }
    // What ExecStartPre runs on the installed file, run here on the example.
    let pre = lines
        .iter()
        .find(|(key, _)| key == "ExecStartPre")
        .expect("ExecStartPre checks the configuration");
    assert_eq!(pre.1.get(1).map(String::as_str), Some("check-config"));
    let out = trunkline()
        .args(["check-config", "--config"])
        .arg(repo().join("deploy/alienvoip.example.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for setting in [
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "Restart=on-failure",
        "KillSignal=SIGTERM",
        "EnvironmentFile=/etc/trunkline/trunkline.env",
        "User=trunkline",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == setting),
            "missing {setting}"
        );
    }
}

#[test]
fn the_dockerfile_builds_the_package_and_ships_the_binary() {
    let docker = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    assert!(docker.contains("cargo build --release --locked -p dialer-api"));
    assert!(docker.contains("target/release/trunkline"));
    assert!(docker.contains("FROM debian:bookworm-slim"));
    assert!(docker.contains("USER trunkline"));
    // Files the image copies from the build context are really there and not ignored.
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    for line in docker
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let source = line.split_whitespace().nth(1).unwrap();
        if source == "." {
            continue;
        }
        assert!(repo().join(source).exists(), "{line}");
        assert!(
            !ignore.lines().any(|i| i.trim() == source),
            "{source} is in .dockerignore"
        );
    }
    for needed in ["Cargo.toml", "Cargo.lock", "dialer-api/migrations"] {
        assert!(
            !ignore
                .lines()
                .any(|i| needed.starts_with(i.trim().trim_end_matches('/'))
                    && !i.trim().is_empty()
                    && !i.trim().starts_with('#')),
            "{needed} would be left out of the build context"
        );
    }
}
