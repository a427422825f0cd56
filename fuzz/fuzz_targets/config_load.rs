//! Configuration loading: arbitrary TOML text plus arbitrary environment
//! overrides (after a NUL byte, one `NAME=value` per line) never panic.
#![no_main]

use dialer_api::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (toml, env) = input.split_once('\0').unwrap_or((input, ""));
    let vars: Vec<(String, String)> = env
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (format!("TRUNKLINE_{k}"), v.to_owned()))
        .collect();
    if let Ok(config) = Config::from_sources(toml, vars) {
        assert!(config.rtp.port_min <= config.rtp.port_max);
        assert!(config.rtp.pair_count() > 0);
        for trunk in &config.trunks {
            assert!(!trunk.proxies.is_empty() && !trunk.codecs.is_empty());
            assert!(trunk.caller_id.starts_with('+'));
        }
    }
});
