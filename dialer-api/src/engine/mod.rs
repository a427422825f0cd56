//! The call engine: tokio drivers around the sans-IO cores that register
//! to SIP trunks, place calls and bridge them to AI handlers.
//!
//! ```text
//!                     Engine (cheap to clone)
//!   add_trunk / register / call / hangup / shutdown
//!        │ commands                        │ one task per call (call::run)
//!        ▼                                 ▼
//!   SIP driver task ──CallSignal──▶ handler::connect ─▶ RTP ports ─▶ INVITE
//!   one UDP socket                  ringing ─▶ 200 OK ─▶ Bridge::start
//!   Endpoint per trunk              talk: MediaSession every 20 ms
//!   scanner filter                  RTP/RTCP socket pair ◀─▶ trunk media
//!   registration book               Bridge ◀─▶ AI handler (twilio | pcm | audiosocket)
//! ```
//!
//! `sip_core::endpoint::Endpoint` and `media::MediaSession` never see a
//! socket or a clock; only this module calls `Instant::now()`.

mod call;
mod error;
mod hangup_route;
mod ports;
mod registration;
mod resolve;
mod screen;
mod service;
mod settings;
mod shutdown;
mod sip_driver;
mod stats;
mod test_call;
mod trunk;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sip_core::endpoint::CallHandle;
use tokio::net::UdpSocket;
use tokio::sync::{Notify, mpsc, oneshot};

pub use call::{CallReport, CallRequest};
pub use error::{EngineError, ProxyFailure, RegisterError, TrunkError};
pub use hangup_route::{HangupTarget, hangup_router};
pub use registration::Registered;
pub use screen::{SCANNER_AGENTS, is_scanner};
pub use service::HANGUP_TOKEN_PARAMETER;
pub use settings::EngineSettings;
pub use stats::EngineStats;
pub use test_call::{TestCallError, TestCallOutcome};
pub use trunk::Trunk;

use crate::scheduler::{HangupBy, RegistrationStatus};
use ports::PortPool;
use registration::RegistrationBook;
pub(crate) use resolve::resolve_proxy;
use sip_driver::{DriverCommand, SipDriver};
use stats::{Counters, bump};

/// What a call needs of its trunk: codecs in offer order and our address toward it.
#[derive(Debug, Clone)]
struct TrunkMedia {
    trunk: Trunk,
    local_ip: IpAddr,
}

/// The state the engine handle, the SIP driver and the call tasks share.
pub(crate) struct Inner {
    settings: EngineSettings,
    sip_addr: SocketAddr,
    driver: mpsc::UnboundedSender<DriverCommand>,
    counters: Arc<Counters>,
    book: Arc<RegistrationBook>,
    ports: Arc<PortPool>,
    trunks: Mutex<HashMap<String, TrunkMedia>>,
    calls: Mutex<HashMap<String, mpsc::UnboundedSender<HangupBy>>>,
    calls_changed: Notify,
    next_handle: AtomicU64,
    stopping: AtomicBool,
    runtime: tokio::runtime::Handle,
}

impl Inner {
    fn next_handle(&self) -> CallHandle {
        CallHandle(self.next_handle.fetch_add(1, Ordering::Relaxed))
    }

    /// Adds a live call; `None` when the key is taken or the engine stops.
    fn track_call(&self, key: &str) -> Option<mpsc::UnboundedReceiver<HangupBy>> {
        if self.stopping.load(Ordering::Acquire) {
            return None;
        }
        let mut calls = self.calls.lock().ok()?;
        if calls.contains_key(key) {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        calls.insert(key.to_owned(), tx);
        bump(&self.counters.active_calls);
        bump(&self.counters.calls_placed);
        Some(rx)
    }

    fn forget_call(&self, key: &str) {
        if let Ok(mut calls) = self.calls.lock() {
            if calls.remove(key).is_some() {
                self.counters.active_calls.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.calls_changed.notify_waiters();
    }

    fn trunk_media(&self, name: &str) -> Option<(Vec<codecs::Codec>, IpAddr)> {
        let trunks = self.trunks.lock().ok()?;
        let t = trunks.get(name)?;
        Some((t.trunk.codecs.clone(), t.local_ip))
    }
}

/// The call engine (see the module documentation). Cloning gives another
/// handle on the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("sip_addr", &self.inner.sip_addr)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Binds the SIP socket and starts the SIP driver on the current tokio runtime.
    pub async fn start(settings: EngineSettings) -> Result<Engine, EngineError> {
        let socket =
            UdpSocket::bind(settings.sip_bind)
                .await
                .map_err(|source| EngineError::Bind {
                    addr: settings.sip_bind,
                    source,
                })?;
        let sip_addr = socket.local_addr().map_err(|source| EngineError::Bind {
            addr: settings.sip_bind,
            source,
        })?;
        let counters = Arc::new(Counters::default());
        let book = Arc::new(RegistrationBook::default());
        let (driver, commands) = mpsc::unbounded_channel();
        let sip = SipDriver::new(Arc::new(socket), Arc::clone(&counters), Arc::clone(&book));
        tokio::spawn(sip.run(commands));
        let ports = PortPool::new(
            settings.sip_bind.ip(),
            settings.rtp_port_min,
            settings.rtp_port_max,
        );
        tracing::info!(sip = %sip_addr, rtp = %format!("{}-{}", settings.rtp_port_min, settings.rtp_port_max), "call engine started");
        Ok(Engine {
            inner: Arc::new(Inner {
                settings,
                sip_addr,
                driver,
                counters,
                book,
                ports,
                trunks: Mutex::new(HashMap::new()),
                calls: Mutex::new(HashMap::new()),
                calls_changed: Notify::new(),
                next_handle: AtomicU64::new(1),
                stopping: AtomicBool::new(false),
                runtime: tokio::runtime::Handle::current(),
            }),
        })
    }

    /// The SIP socket's address.
    pub fn sip_address(&self) -> SocketAddr {
        self.inner.sip_addr
    }

    /// The settings the engine runs with.
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// Adds a trunk, or replaces the one with the same name (calls in
    /// flight on the old settings go on). Resolves its proxies; when
    /// `trunk.register` is set, registration starts in the background
    /// ([`Engine::registration`] shows its state).
    pub async fn add_trunk(&self, trunk: Trunk) -> Result<(), EngineError> {
        let ipv4 = self.inner.sip_addr.is_ipv4();
        let proxies = match resolve::resolve_proxies(&trunk, ipv4).await {
            Ok(p) => p,
            Err(e) => {
                self.inner.book.set(
                    &trunk.name,
                    crate::scheduler::RegistrationState::Failed,
                    Some(e.to_string()),
                );
                return Err(e.into());
            }
        };
        let first = proxies
            .first()
            .map(|p| p.addr)
            .ok_or_else(|| TrunkError::Unresolvable {
                trunk: trunk.name.clone(),
                failures: Vec::new(),
            })?;
        let local_ip = resolve::local_ip_toward(self.inner.settings.sip_bind.ip(), first);
        let local = SocketAddr::new(local_ip, self.inner.sip_addr.port());
        let config = trunk.endpoint_config(&self.inner.settings, proxies, local)?;
        let (reply, replied) = oneshot::channel();
        self.inner
            .driver
            .send(DriverCommand::AddTrunk {
                name: trunk.name.clone(),
                config: Box::new(config),
                register: trunk.register,
                reply,
            })
            .map_err(|_| EngineError::Stopped)?;
        replied.await.map_err(|_| EngineError::Stopped)??;
        if let Ok(mut trunks) = self.inner.trunks.lock() {
            trunks.insert(trunk.name.clone(), TrunkMedia { trunk, local_ip });
        }
        Ok(())
    }

    /// The trunk named `name`, as last added.
    pub fn trunk(&self, name: &str) -> Option<Trunk> {
        let trunks = self.inner.trunks.lock().ok()?;
        trunks.get(name).map(|t| t.trunk.clone())
    }

    /// Registers trunk `name` (also when its settings say `register = false`)
    /// and waits up to `limit` for the outcome: success, or every proxy
    /// failing once. Registration keeps being refreshed (and retried) after.
    pub async fn register(&self, name: &str, limit: Duration) -> Result<Registered, RegisterError> {
        let events = self.inner.book.subscribe();
        let (reply, replied) = oneshot::channel();
        self.inner
            .driver
            .send(DriverCommand::Register {
                name: name.to_owned(),
                reply,
            })
            .map_err(|_| RegisterError::Stopped)?;
        if !replied.await.map_err(|_| RegisterError::Stopped)? {
            return Err(RegisterError::UnknownTrunk(name.to_owned()));
        }
        registration::wait_registered(events, name, limit).await
    }

    /// Removes trunk `name`'s registration (REGISTER with Expires: 0) and
    /// waits up to `limit` for the answer.
    pub async fn unregister(&self, name: &str, limit: Duration) -> Result<(), RegisterError> {
        let events = self.inner.book.subscribe();
        let (reply, replied) = oneshot::channel();
        self.inner
            .driver
            .send(DriverCommand::Unregister {
                name: name.to_owned(),
                reply,
            })
            .map_err(|_| RegisterError::Stopped)?;
        if !replied.await.map_err(|_| RegisterError::Stopped)? {
            return Err(RegisterError::UnknownTrunk(name.to_owned()));
        }
        registration::wait_unregistered(events, name, limit).await
    }

    /// Registration state of trunk `name`.
    pub fn registration(&self, name: &str) -> RegistrationStatus {
        self.inner.book.status(name)
    }

    /// Places a call and bridges it to its handler; resolves when the call
    /// is over, with its report (failures included).
    pub async fn call(&self, request: CallRequest) -> CallReport {
        call::run(Arc::clone(&self.inner), request).await
    }

    /// Ends call `key` (CANCEL before the answer, BYE after) on behalf of
    /// `by`. Returns whether such a call is live.
    pub fn hangup(&self, key: &str, by: HangupBy) -> bool {
        let Ok(calls) = self.inner.calls.lock() else {
            return false;
        };
        calls.get(key).is_some_and(|tx| tx.send(by).is_ok())
    }

    /// The keys of the calls live now.
    pub fn live_calls(&self) -> Vec<String> {
        self.inner
            .calls
            .lock()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        self.inner.counters.snapshot(self.inner.ports.available())
    }

    /// Graceful stop: refuses new calls, hangs up every live call and waits
    /// for them to end, un-registers every trunk and waits for the answers
    /// (each step at most `settings.shutdown_grace`), then stops the SIP driver.
    pub async fn shutdown(&self) {
        shutdown::shutdown(&self.inner).await;
    }
}
