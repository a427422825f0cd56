//! Whether SIPp can run here: one check for every SIPp test support module
//! (`sipp_support`, `sim_support` and `e2e_support` include this file, and so does
//! `examples/tests/examples_run.rs`).

use std::process::Stdio;

/// Whether `sipp` runs. When it does not, the test is skipped with a printed
/// reason, or fails when `CI` is set.
pub fn sipp_available() -> bool {
    let ok = std::process::Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        let message =
            "sipp is not installed (Debian package sip-tester: apt-get install sip-tester)";
        assert!(
            std::env::var_os("CI").is_none(),
            "{message}: required when CI is set"
        );
        eprintln!("SKIPPED: {message}");
    }
    ok
}
