//! `trunkline doctor`: walks the known failure list (DESIGN.md §4) against
//! one configuration and prints one line per check, PASS, FAIL or SKIP,
//! with what to do about each failure.
//!
//! ```text
//!  config ─▶ trunk ─▶ sip socket ─▶ dns (per proxy) ─▶ options (per proxy) ─▶ nat
//!        ─▶ register (per proxy, call engine) ─▶ codecs (test call, optional)
//!        ─▶ rtp ports ─▶ handler (connect + handshake)
//! ```
//!
//! Every check is bounded in time (a few seconds); proxies are checked
//! side by side. The doctor uses its own SIP socket (a free port when
//! `[sip] bind` is taken by a running service) and un-registers its own
//! binding at the end.

mod check;
mod codecs;
mod config_check;
mod handler;
mod nat;
mod options;
mod register;
mod rtp;
mod sip_socket;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::future::join_all;

pub use check::{Check, Report, Status};
pub use config_check::config_check;

use crate::config::{Config, ProxyAddr, TrunkConfig};
use crate::engine::{Engine, EngineSettings, Trunk, resolve_proxy};

/// How the doctor runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorOptions {
    /// The trunk to check (`[[trunks]] name`); the first one by default.
    pub trunk: Option<String>,
    /// The number for the codec test call; overrides `[doctor] test_number`.
    pub test_number: Option<String>,
    /// How long a proxy may take to answer OPTIONS or REGISTER.
    pub sip_wait: Duration,
    /// How long the test call may ring before it tells the codec.
    pub call_wait: Duration,
    /// How long connecting to the handler may take.
    pub handler_wait: Duration,
    /// How long the handler must keep the connection open after the handshake.
    pub handler_hold: Duration,
}

impl Default for DoctorOptions {
    /// The first trunk, the configured test number, 4 s for SIP answers,
    /// 8 s for the test call, 3 s to connect to the handler, 0.5 s hold.
    fn default() -> DoctorOptions {
        DoctorOptions {
            trunk: None,
            test_number: None,
            sip_wait: Duration::from_secs(4),
            call_wait: Duration::from_secs(8),
            handler_wait: Duration::from_secs(3),
            handler_hold: Duration::from_millis(500),
        }
    }
}

/// Collects the checks and hands each to the printer as it is made.
struct Recorder<'a> {
    report: Report,
    out: &'a mut dyn FnMut(&Check),
}

impl Recorder<'_> {
    fn add(&mut self, check: Check) {
        (self.out)(&check);
        self.report.checks.push(check);
    }
}

/// One proxy of the checked trunk, as the checks learn about it.
struct ProxyProbe {
    proxy: ProxyAddr,
    addr: Option<SocketAddr>,
    /// The engine trunk (this proxy alone) once added.
    engine_trunk: Option<String>,
    registered: bool,
}

/// Runs every check on `config` (already loaded: see [`config_check`]),
/// calling `out` with each line as soon as it is known.
pub async fn run(config: &Config, options: &DoctorOptions, out: &mut dyn FnMut(&Check)) -> Report {
    let mut rec = Recorder {
        report: Report::default(),
        out,
    };
    let (socket_check, sip_bind) = sip_socket::sip_socket_check(config.sip.bind);
    rec.add(socket_check);
    let trunk = pick_trunk(config, options.trunk.as_deref(), &mut rec);
    if let Some((index, trunk)) = trunk {
        check_trunk(config, index, trunk, sip_bind, options, &mut rec).await;
    }
    rec.add(rtp::rtp_check(sip_bind.ip(), &config.rtp));
    let from = trunk.map(|(_, t)| t.caller_id.as_str()).unwrap_or_default();
    let to = options
        .test_number
        .as_deref()
        .or(config.doctor.test_number.as_deref())
        .unwrap_or(from);
    rec.add(
        handler::handler_check(
            config.handler.as_ref(),
            from,
            to,
            options.handler_wait,
            options.handler_hold,
        )
        .await,
    );
    rec.report
}

fn pick_trunk<'c>(
    config: &'c Config,
    name: Option<&str>,
    rec: &mut Recorder<'_>,
) -> Option<(usize, &'c TrunkConfig)> {
    let found = match name {
        None => config.trunks.first().map(|t| (0, t)),
        Some(name) => config
            .trunks
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == name),
    };
    match (found, name) {
        (Some((i, t)), _) => {
            rec.add(Check::pass(
                "trunk",
                format!(
                    "'{}' (trunks[{i}]): proxies {}; user {}; caller ID {}",
                    t.name,
                    t.proxies
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    if t.username.is_empty() {
                        "(none)"
                    } else {
                        &t.username
                    },
                    t.caller_id
                ),
            ));
            found
        }
        (None, Some(name)) => {
            let names: Vec<&str> = config.trunks.iter().map(|t| t.name.as_str()).collect();
            rec.add(Check::fail(
                "trunk",
                format!("no trunk named '{name}'"),
                format!("pick one of: {} (--trunk NAME)", names.join(", ")),
            ));
            None
        }
        (None, None) => {
            rec.add(Check::fail(
                "trunk",
                "the configuration has no [[trunks]]",
                "add the trunk's settings (see deploy/alienvoip.example.toml)",
            ));
            None
        }
    }
}

/// DNS, OPTIONS, NAT, registration and the codec test call of one trunk.
async fn check_trunk(
    config: &Config,
    index: usize,
    trunk: &TrunkConfig,
    sip_bind: SocketAddr,
    options: &DoctorOptions,
    rec: &mut Recorder<'_>,
) {
    let ipv4 = sip_bind.is_ipv4();
    let lookups = join_all(trunk.proxies.iter().map(|p| resolve_proxy(p, ipv4))).await;
    let mut probes = Vec::with_capacity(trunk.proxies.len());
    for (proxy, found) in trunk.proxies.iter().zip(lookups) {
        let name = format!("dns {}", proxy.host);
        let addr = match found {
            Ok(addr) => {
                let detail = if proxy.host.parse::<std::net::IpAddr>().is_ok() {
                    format!("{} is an IP address", proxy.host)
                } else {
                    format!("{} resolves to {}", proxy.host, addr.ip())
                };
                rec.add(Check::pass(name, detail));
                Some(addr)
            }
            Err(reason) => {
                rec.add(Check::fail(
                    name,
                    format!("cannot resolve {}: {reason}", proxy.host),
                    format!(
                        "check the host name in trunks[{index}].proxies and this machine's DNS"
                    ),
                ));
                None
            }
        };
        probes.push(ProxyProbe {
            proxy: proxy.clone(),
            addr,
            engine_trunk: None,
            registered: false,
        });
    }
    let answers = join_all(probes.iter().map(|p| async {
        match p.addr {
            Some(addr) => Some(
                options::probe(
                    &p.proxy,
                    addr,
                    sip_bind.ip(),
                    &config.sip.user_agent,
                    options.sip_wait,
                )
                .await,
            ),
            None => None,
        }
    }))
    .await;
    let mut seen = None;
    for (p, answer) in probes.iter().zip(&answers) {
        let name = format!("options {}", p.proxy);
        match answer {
            None => rec.add(Check::skip(name, "the proxy did not resolve")),
            Some(Ok(a)) => {
                let note = if a.status.is_success() {
                    ""
                } else {
                    " (any answer shows the proxy is reachable)"
                };
                rec.add(Check::pass(
                    name,
                    format!(
                        "{} {} in {} ms{note}",
                        a.status.as_u16(),
                        a.reason,
                        a.rtt.as_millis()
                    ),
                ));
                seen = seen.or(Some((p.proxy.host.as_str(), a)));
            }
            Some(Err(e)) => rec.add(Check::fail(name, e.to_string(), probe_advice(e, &p.proxy))),
        }
    }
    rec.add(nat::nat_check(seen, config.sip.external_address));
    sip_checks(config, trunk, &mut probes, sip_bind, options, rec).await;
}

fn probe_advice(error: &options::ProbeError, proxy: &ProxyAddr) -> String {
    match error {
        options::ProbeError::Refused { .. } => {
            format!("check the port: is the trunk's SIP port {}?", proxy.port)
        }
        options::ProbeError::Timeout { .. } => format!(
            "check the host, port and that UDP {} outbound is open",
            proxy.port
        ),
        _ => "check this machine's network and its route to the trunk".to_owned(),
    }
}

/// Registration per proxy and the codec test call, on a call engine of
/// our own.
async fn sip_checks(
    config: &Config,
    trunk: &TrunkConfig,
    probes: &mut [ProxyProbe],
    sip_bind: SocketAddr,
    options: &DoctorOptions,
    rec: &mut Recorder<'_>,
) {
    let mut settings = EngineSettings::from_config(config);
    settings.sip_bind = sip_bind;
    settings.shutdown_grace = Duration::from_secs(1);
    let engine = match Engine::start(settings).await {
        Ok(e) => e,
        Err(e) => {
            rec.add(Check::fail("sip engine", e.to_string(), "fix [sip] bind"));
            return;
        }
    };
    for p in probes.iter_mut().filter(|p| p.addr.is_some()) {
        let mut t = Trunk::from(trunk);
        t.name = format!("{}@{}", trunk.name, p.proxy);
        t.proxies = vec![p.proxy.clone()];
        t.register = false;
        match engine.add_trunk(t.clone()).await {
            Ok(()) => p.engine_trunk = Some(t.name),
            Err(e) => rec.add(Check::fail(
                format!("register {}", p.proxy),
                e.to_string(),
                "fix the trunk settings",
            )),
        }
    }
    if trunk.register {
        let results = join_all(probes.iter().map(|p| async {
            match &p.engine_trunk {
                Some(name) => Some(
                    register::register_check(
                        &engine,
                        name,
                        &p.proxy,
                        &trunk.username,
                        options.sip_wait,
                    )
                    .await,
                ),
                None => None,
            }
        }))
        .await;
        for (p, result) in probes.iter_mut().zip(results) {
            match result {
                Some((check, ok)) => {
                    p.registered = ok;
                    rec.add(check);
                }
                None if p.addr.is_none() => rec.add(Check::skip(
                    format!("register {}", p.proxy),
                    "the proxy did not resolve",
                )),
                None => {}
            }
        }
    } else {
        rec.add(Check::skip(
            "register",
            "register = false: the trunk authenticates by source address",
        ));
    }
    rec.add(codec_test(config, trunk, probes, &engine, options).await);
    let limit = options.sip_wait;
    let engine = &engine;
    join_all(
        probes
            .iter()
            .filter(|p| p.registered)
            .filter_map(|p| p.engine_trunk.as_deref())
            .map(|name| async move {
                if let Err(e) = engine.unregister(name, limit).await {
                    tracing::warn!(trunk = name, error = %e, "doctor: un-REGISTER failed");
                }
            }),
    )
    .await;
    engine.shutdown().await;
}

async fn codec_test(
    config: &Config,
    trunk: &TrunkConfig,
    probes: &[ProxyProbe],
    engine: &Engine,
    options: &DoctorOptions,
) -> Check {
    let number = options
        .test_number
        .as_deref()
        .or(config.doctor.test_number.as_deref());
    let Some(number) = number else {
        return codecs::skipped(
            &trunk.codecs,
            "set [doctor] test_number (or --test-number), e.g. the provider's echo test, to see \
             which one the trunk picks",
        );
    };
    let usable = probes
        .iter()
        .find(|p| p.engine_trunk.is_some() && (p.registered || !trunk.register));
    let Some(ProxyProbe {
        proxy,
        engine_trunk: Some(name),
        ..
    }) = usable
    else {
        return codecs::skipped(
            &trunk.codecs,
            "no proxy to place the test call through (see the failures above)",
        );
    };
    codecs::codec_check(
        engine,
        name,
        &proxy.to_string(),
        &trunk.codecs,
        number,
        options.call_wait,
    )
    .await
}
