//! Loading, validation errors (one test per kind) and environment overrides.

use std::net::SocketAddr;

use codecs::Codec;

use super::*;

const FULL: &str = r#"
[sip]
bind = "0.0.0.0:5070"
external_address = "203.0.113.10"
user_agent = "Trunkline-test"
ring_timeout = 25

[rtp]
port_min = 12000
port_max = 12999

[[trunks]]
name = "alienvoip"
proxies = ["sip1.alienvoip.com:5060", "sip3.alienvoip.com"]
transport = "udp"
username = "646006395"
password = "secret"
caller_id = "+60 12-345 6789"
display_name = "My Company"
codecs = ["PCMU", "G729", "GSM"]
register = true
register_expires = 1800

[[trunks]]
name = "ipauth"
proxies = ["192.0.2.1"]
domain = "trunk.example.net"
caller_id = "+14155552671"
register = false

[handler]
url = "ws://127.0.0.1:9000/stream"
protocol = "pcm"
sample_rate = 16000

[http]
bind = "0.0.0.0:8088"

[storage]
url = "postgres://trunkline@localhost/trunkline"

[auth]
admin_token = "0123456789abcdef0123"

[security]
allow_private_handlers = true
secret_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
"#;

const MINIMAL_TRUNK: &str = r#"
[[trunks]]
name = "t"
proxies = ["sip.example.com"]
username = "u"
caller_id = "+60123456789"
"#;

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loads `text` and returns the error's message, failing the test if it loads.
fn error_of(text: &str) -> String {
    error_with_env(text, &[])
}

fn error_with_env(text: &str, vars: &[(&str, &str)]) -> String {
    match Config::from_sources(text, env(vars)) {
        Ok(c) => panic!("expected an error, loaded {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn trunk_with(key_line: &str) -> String {
    let mut lines: Vec<&str> = MINIMAL_TRUNK.lines().collect();
    let key = key_line.split('=').next().unwrap_or("").trim();
    lines.retain(|l| !l.starts_with(&format!("{key} ")));
    lines.push(key_line);
    lines.join("\n")
}

#[test]
fn loads_a_full_file() {
    let c = Config::from_sources(FULL, no_env()).unwrap();
    assert_eq!(c.sip.bind, "0.0.0.0:5070".parse::<SocketAddr>().unwrap());
    assert_eq!(c.sip.external_address, Some([203, 0, 113, 10].into()));
    assert_eq!(c.sip.user_agent, "Trunkline-test");
    assert_eq!(c.sip.ring_timeout, std::time::Duration::from_secs(25));
    assert_eq!((c.rtp.port_min, c.rtp.port_max), (12000, 12999));
    assert_eq!(c.rtp.pair_count(), 500);
    let t = &c.trunks[0];
    assert_eq!(t.name, "alienvoip");
    assert_eq!(
        t.proxies,
        vec![
            ProxyAddr {
                host: "sip1.alienvoip.com".into(),
                port: 5060
            },
            ProxyAddr {
                host: "sip3.alienvoip.com".into(),
                port: 5060
            }
        ]
    );
    assert_eq!(t.transport, Transport::Udp);
    assert_eq!(t.username, "646006395");
    assert_eq!(t.password.expose(), "secret");
    assert_eq!(
        t.domain, "sip1.alienvoip.com",
        "domain defaults to the first proxy's host"
    );
    assert_eq!(t.caller_id, "+60123456789", "caller ID is normalised");
    assert_eq!(t.display_name, "My Company");
    assert_eq!(t.codecs, vec![Codec::Pcmu, Codec::G729, Codec::Gsm]);
    assert!(t.register);
    assert_eq!(t.register_expires, 1800);
    let ip = c.trunk(Some("ipauth")).unwrap();
    assert_eq!(ip.domain, "trunk.example.net");
    assert!(!ip.register);
    assert_eq!(
        ip.username, "",
        "username may be empty when not registering"
    );
    assert_eq!(
        ip.codecs,
        Codec::ALL.to_vec(),
        "codecs default to every codec"
    );
    let h = c.handler.as_ref().unwrap();
    assert_eq!(
        (h.url(), h.protocol(), h.sample_rate()),
        ("ws://127.0.0.1:9000/stream", HandlerProtocol::Pcm, 16000)
    );
    assert_eq!(c.http.bind.port(), 8088);
    assert_eq!(c.storage.url, "postgres://trunkline@localhost/trunkline");
    assert_eq!(
        c.auth.admin_token.as_ref().map(Secret::expose),
        Some("0123456789abcdef0123")
    );
    assert!(c.security.allow_private_handlers);
    assert_eq!(c.security.secret_key.as_ref().unwrap().as_bytes()[1], 1);
}

#[test]
fn an_empty_file_gives_the_defaults() {
    let c = Config::from_sources("", no_env()).unwrap();
    assert_eq!(c.sip.bind, "0.0.0.0:5060".parse::<SocketAddr>().unwrap());
    assert_eq!(c.sip.external_address, None);
    assert!(c.sip.user_agent.starts_with("Trunkline/"));
    assert_eq!(c.sip.ring_timeout, std::time::Duration::from_secs(60));
    assert_eq!((c.rtp.port_min, c.rtp.port_max), (10000, 20000));
    assert!(c.trunks.is_empty());
    assert!(c.handler.is_none());
    assert_eq!(c.http.bind, "127.0.0.1:8080".parse::<SocketAddr>().unwrap());
    assert_eq!(c.storage.url, "sqlite://trunkline.db");
    assert!(c.auth.admin_token.is_none());
    assert!(!c.security.allow_private_handlers);
    assert!(c.security.secret_key.is_none());
}

#[test]
fn handler_protocol_defaults_to_twilio() {
    let c =
        Config::from_sources("[handler]\nurl = \"wss://bot.example.com/ws\"", no_env()).unwrap();
    let h = c.handler.unwrap();
    assert_eq!(
        (h.protocol(), h.sample_rate()),
        (HandlerProtocol::Twilio, 8000)
    );
}

#[test]
fn debug_output_hides_secrets() {
    let c = Config::from_sources(FULL, no_env()).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("secret\""), "{debug}");
    assert!(!debug.contains("0123456789abcdef0123"));
    assert!(!debug.contains("AAECAwQF"));
    assert!(debug.contains("***"));
}

#[test]
fn invalid_caller_id() {
    assert_eq!(
        error_of(&trunk_with(r#"caller_id = "+6012""#)),
        "trunks[0].caller_id: '+6012' is not a valid E.164 number"
    );
    assert_eq!(
        error_of(&trunk_with(r#"caller_id = "60123456789""#)),
        "trunks[0].caller_id: '60123456789' has no country code: write it as +<country code><number>"
    );
}

#[test]
fn bad_proxies() {
    assert_eq!(
        error_of(&trunk_with(
            r#"proxies = ["sip1.example.com", "sip:sip2.example.com"]"#
        )),
        "trunks[0].proxies[1]: 'sip:sip2.example.com' is not a proxy address: write host:port without a scheme"
    );
    assert_eq!(
        error_of(&trunk_with(r#"proxies = ["sip1.example.com:99999"]"#)),
        "trunks[0].proxies[0]: 'sip1.example.com:99999' is not a proxy address: the port is not a number from 1 to 65535"
    );
    assert_eq!(
        error_of(&trunk_with("proxies = []")),
        "trunks[0].proxies: must list at least one entry"
    );
    assert_eq!(
        error_of(&trunk_with("proxies = [5060]")),
        "trunks[0].proxies: expected an array of strings, found an integer"
    );
}

#[test]
fn missing_proxies() {
    let text = MINIMAL_TRUNK.replace("proxies = [\"sip.example.com\"]", "");
    assert_eq!(error_of(&text), "trunks[0].proxies: is required");
}

#[test]
fn codec_lists() {
    assert_eq!(
        error_of(&trunk_with("codecs = []")),
        "trunks[0].codecs: must list at least one entry"
    );
    assert_eq!(
        error_of(&trunk_with(r#"codecs = ["PCMU", "OPUS"]"#)),
        "trunks[0].codecs: unknown codec 'OPUS' (expected PCMU, PCMA, G729 or GSM)"
    );
    assert_eq!(
        error_of(&trunk_with(r#"codecs = ["PCMU", "pcmu"]"#)),
        "trunks[0].codecs: codec 'pcmu' is listed twice"
    );
}

#[test]
fn unsupported_transport() {
    assert_eq!(
        error_of(&trunk_with(r#"transport = "tls""#)),
        "trunks[0].transport: transport 'tls' is not supported (only udp)"
    );
}

#[test]
fn registering_needs_a_username() {
    let text = MINIMAL_TRUNK.replace("username = \"u\"", "");
    assert_eq!(error_of(&text), "trunks[0].username: is required");
}

#[test]
fn a_username_the_sip_stack_would_refuse_is_refused_here() {
    for bad in ["a b", "user@host"] {
        let text = MINIMAL_TRUNK.replace("username = \"u\"", &format!("username = \"{bad}\""));
        assert_eq!(
            error_of(&text),
            format!(
                "trunks[0].username: '{bad}' cannot be a SIP user name (letters, digits and -_.!~*'()&=+$,;?/% only; no spaces or @)"
            )
        );
    }
}

#[test]
fn register_expires_range_and_type() {
    assert_eq!(
        error_of(&trunk_with("register_expires = 10")),
        "trunks[0].register_expires: '10' is not a whole number from 60 to 604800"
    );
    assert_eq!(
        error_of(&trunk_with(r#"register = "yes""#)),
        "trunks[0].register: 'yes' is not true or false"
    );
}

#[test]
fn bad_domain_and_header_injection() {
    assert_eq!(
        error_of(&trunk_with(r#"domain = "not a host""#)),
        "trunks[0].domain: 'not a host' is not a host name or IP address"
    );
    assert_eq!(
        error_of(&trunk_with(r#"display_name = "Evil\r\nX-Injected: 1""#)),
        "trunks[0].display_name: must not contain control characters"
    );
}

#[test]
fn duplicate_trunk_names() {
    let text = format!("{MINIMAL_TRUNK}\n{MINIMAL_TRUNK}");
    assert_eq!(
        error_of(&text),
        "trunks[1].name: trunk name 't' is used twice"
    );
}

#[test]
fn port_range_inverted() {
    assert_eq!(
        error_of("[rtp]\nport_min = 20000\nport_max = 10000"),
        "rtp.port_min: port_min 20000 is above port_max 10000"
    );
}

#[test]
fn port_range_too_small() {
    assert_eq!(
        error_of("[rtp]\nport_min = 10001\nport_max = 10002"),
        "rtp.port_max: ports 10001-10002 hold no even/odd pair for RTP and RTCP (a call needs an even port and the one above it)"
    );
    assert_eq!(
        error_of("[rtp]\nport_min = 80"),
        "rtp.port_min: '80' is not a whole number from 1024 to 65535"
    );
}

#[test]
fn ring_timeout_out_of_range() {
    assert_eq!(
        error_of("[sip]\nring_timeout = 0"),
        "sip.ring_timeout: '0' is not a whole number from 1 to 600"
    );
}

#[test]
fn handler_url_schemes() {
    assert_eq!(
        error_of("[handler]\nurl = \"http://127.0.0.1:9000/stream\""),
        "handler.url: 'http://127.0.0.1:9000/stream' is not a valid twilio handler address: use a ws:// or wss:// URL"
    );
    assert_eq!(
        error_of("[handler]\nurl = \"ws://127.0.0.1:9000\"\nprotocol = \"audiosocket\""),
        "handler.url: 'ws://127.0.0.1:9000' is not a valid audiosocket handler address: use tcp://host:port or host:port"
    );
    assert_eq!(
        error_of("[handler]\nprotocol = \"pcm\""),
        "handler.url: is required"
    );
    assert_eq!(
        error_of("[handler]\nurl = \"ws://h/\"\nprotocol = \"sip\""),
        "handler.protocol: unknown protocol 'sip' (expected twilio, pcm or audiosocket)"
    );
}

#[test]
fn handler_sample_rates() {
    assert_eq!(
        error_of("[handler]\nurl = \"ws://h/\"\nprotocol = \"pcm\"\nsample_rate = 11025"),
        "handler.sample_rate: 11025 Hz is not allowed for protocol pcm (allowed: 8000, 16000 or 24000)"
    );
    assert_eq!(
        error_of("[handler]\nurl = \"ws://h/\"\nsample_rate = 16000"),
        "handler.sample_rate: 16000 Hz is not allowed for protocol twilio (allowed: 8000 only)"
    );
}

#[test]
fn bad_addresses() {
    assert_eq!(
        error_of("[sip]\nbind = \"5060\""),
        "sip.bind: '5060' is not an ip:port address (e.g. 0.0.0.0:5060)"
    );
    assert_eq!(
        error_of("[sip]\nexternal_address = \"my.host\""),
        "sip.external_address: 'my.host' is not an IP address"
    );
    assert_eq!(
        error_of("[http]\nbind = \"localhost:80\""),
        "http.bind: 'localhost:80' is not an ip:port address (e.g. 0.0.0.0:5060)"
    );
}

#[test]
fn storage_urls() {
    assert_eq!(
        error_of("[storage]\nurl = \"mysql://db\""),
        "storage.url: 'mysql://db' is not a sqlite:// or postgres:// URL"
    );
    let c = Config::from_sources(
        "[storage]\nurl = \"sqlite:///var/lib/trunkline.db\"",
        no_env(),
    )
    .unwrap();
    assert_eq!(c.storage.url, "sqlite:///var/lib/trunkline.db");
}

#[test]
fn secrets_are_checked() {
    assert_eq!(
        error_of("[auth]\nadmin_token = \"short\""),
        "auth.admin_token: is too short: use at least 16 characters"
    );
    assert_eq!(
        error_of("[security]\nsecret_key = \"c2hvcnQ=\""),
        "security.secret_key: must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`"
    );
}

#[test]
fn unknown_keys_and_sections() {
    assert_eq!(
        error_of("[sip]\nbnd = \"0.0.0.0:5060\""),
        "sip.bnd: unknown key (expected one of: bind, external_address, user_agent, ring_timeout)"
    );
    assert_eq!(
        error_of("[database]\nurl = \"x\""),
        "database: unknown key (expected one of: sip, rtp, trunks, handler, http, storage, auth, security, doctor)"
    );
    assert_eq!(
        error_of("sip = 5"),
        "sip: expected a table, found an integer"
    );
    assert_eq!(
        error_of("[trunks]\nname = \"x\""),
        "trunks: expected an array of tables ([[trunks]]), found a table"
    );
}

#[test]
fn toml_syntax_errors_are_reported() {
    let message = error_of("[sip\nbind = ");
    assert!(
        message.starts_with("configuration is not valid TOML:"),
        "{message}"
    );
}

#[test]
fn env_overrides_every_kind_of_value() {
    let vars = env(&[
        ("TRUNKLINE_SIP__BIND", "127.0.0.1:5080"),
        ("TRUNKLINE_RTP__PORT_MIN", "30000"),
        ("trunkline_rtp__port_max", "30099"),
        ("TRUNKLINE_TRUNKS__0__PASSWORD", "from-env"),
        ("TRUNKLINE_TRUNKS__0__CODECS", "GSM, PCMA"),
        ("TRUNKLINE_TRUNKS__0__REGISTER", "false"),
        ("TRUNKLINE_HANDLER__URL", "ws://10.0.0.5:9000/ws"),
        ("TRUNKLINE_SECURITY__ALLOW_PRIVATE_HANDLERS", "false"),
        ("TRUNKLINE_TESTDATA", "/not/an/override"),
        ("PATH", "/usr/bin"),
    ]);
    let c = Config::from_sources(FULL, vars).unwrap();
    assert_eq!(c.sip.bind, "127.0.0.1:5080".parse::<SocketAddr>().unwrap());
    assert_eq!((c.rtp.port_min, c.rtp.port_max), (30000, 30099));
    assert_eq!(c.trunks[0].password.expose(), "from-env");
    assert_eq!(c.trunks[0].codecs, vec![Codec::Gsm, Codec::Pcma]);
    assert!(!c.trunks[0].register);
    assert_eq!(
        c.trunks[0].username, "646006395",
        "keys not overridden keep the file's value"
    );
    let h = c.handler.unwrap();
    assert_eq!(h.url(), "ws://10.0.0.5:9000/ws");
    assert_eq!(h.protocol(), HandlerProtocol::Pcm);
    assert!(!c.security.allow_private_handlers);
}

#[test]
fn env_can_build_a_trunk_and_sections_without_a_file() {
    let vars = env(&[
        ("TRUNKLINE_TRUNKS__1__NAME", "second"),
        ("TRUNKLINE_TRUNKS__1__PROXIES", "b.example.com:5070"),
        ("TRUNKLINE_TRUNKS__1__CALLER_ID", "+442079460018"),
        ("TRUNKLINE_TRUNKS__1__REGISTER", "false"),
        ("TRUNKLINE_TRUNKS__0__NAME", "first"),
        (
            "TRUNKLINE_TRUNKS__0__PROXIES",
            "a.example.com,[2001:db8::5]:5080",
        ),
        ("TRUNKLINE_TRUNKS__0__USERNAME", "alice"),
        ("TRUNKLINE_TRUNKS__0__CALLER_ID", "+60123456789"),
        ("TRUNKLINE_HANDLER__URL", "tcp://127.0.0.1:9092"),
        ("TRUNKLINE_HANDLER__PROTOCOL", "audiosocket"),
        (
            "TRUNKLINE_SECURITY__SECRET_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
    ]);
    let c = Config::from_sources("", vars).unwrap();
    assert_eq!(c.trunks.len(), 2);
    assert_eq!(c.trunks[0].name, "first");
    assert_eq!(c.trunks[0].proxies[1].to_string(), "[2001:db8::5]:5080");
    assert_eq!(c.trunks[1].name, "second");
    assert_eq!(c.trunks[1].proxies[0].port, 5070);
    assert_eq!(c.handler.unwrap().protocol(), HandlerProtocol::AudioSocket);
    assert!(c.security.secret_key.is_some());
}

#[test]
fn empty_env_value_restores_the_default() {
    let c = Config::from_sources(FULL, env(&[("TRUNKLINE_SIP__EXTERNAL_ADDRESS", "")])).unwrap();
    assert_eq!(c.sip.external_address, None);
}

#[test]
fn env_errors_name_the_variable() {
    assert_eq!(
        error_with_env(
            MINIMAL_TRUNK,
            &[("TRUNKLINE_TRUNKS__0__CALLER_ID", "+6012")]
        ),
        "trunks[0].caller_id (set by TRUNKLINE_TRUNKS__0__CALLER_ID): '+6012' is not a valid E.164 number"
    );
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_RTP__PORT_MIN", "lots")]),
        "rtp.port_min (set by TRUNKLINE_RTP__PORT_MIN): 'lots' is not a whole number from 1024 to 65535"
    );
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_SIP__BINDD", "x")]),
        "sip.bindd (set by TRUNKLINE_SIP__BINDD): unknown key (expected one of: bind, external_address, user_agent, ring_timeout)"
    );
}

#[test]
fn malformed_override_names() {
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_DATABASE__URL", "x")]),
        "environment variable TRUNKLINE_DATABASE__URL: unknown section 'database' (expected one of: sip, rtp, trunks, handler, http, storage, auth, security, doctor)"
    );
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_TRUNKS__PASSWORD", "x")]),
        "environment variable TRUNKLINE_TRUNKS__PASSWORD: expected TRUNKLINE_TRUNKS__<index>__<KEY>"
    );
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_TRUNKS__first__PASSWORD", "x")]),
        "environment variable TRUNKLINE_TRUNKS__first__PASSWORD: 'first' is not an index"
    );
    assert_eq!(
        error_with_env(MINIMAL_TRUNK, &[("TRUNKLINE_TRUNKS__2__PASSWORD", "x")]),
        "environment variable TRUNKLINE_TRUNKS__2__PASSWORD: index 2 leaves a gap: there are 1 trunks before it, so the next index is 1"
    );
    assert_eq!(
        error_with_env("", &[("TRUNKLINE_SIP__BIND__X", "x")]),
        "environment variable TRUNKLINE_SIP__BIND__X: expected TRUNKLINE_<SECTION>__<KEY>"
    );
    assert_eq!(
        error_with_env("sip = 1", &[("TRUNKLINE_SIP__BIND", "0.0.0.0:1")]),
        "environment variable TRUNKLINE_SIP__BIND: sip in the file is not a table, so bind cannot be set in it"
    );
}

#[test]
fn load_reads_a_file_and_reports_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trunkline.toml");
    std::fs::write(&path, MINIMAL_TRUNK).unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.trunks[0].name, "t");
    let missing = dir.path().join("nope.toml");
    let err = Config::load(&missing).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "cannot read configuration file {}:",
            missing.display()
        )),
        "{err}"
    );
}
