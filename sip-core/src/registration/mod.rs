//! Registration with the trunk (RFC 3261 §10): REGISTER with digest
//! authentication, refresh before expiry, 423 Interval Too Brief, failover
//! down the proxy list with back-off, periodic return to the primary, and
//! un-REGISTER.
//!
//! ```text
//!  start ─▶ REGISTER(primary) ─2xx─▶ bound ─refresh timer─▶ REGISTER(same proxy)
//!               │ timeout, 503, transport error
//!               ▼
//!          REGISTER(next proxy) ... all failed ─▶ wait (back-off) ─▶ primary again
//!  bound to a backup ─primary timer─▶ probe REGISTER(primary) ─2xx─▶ bound to primary,
//!                                                               un-REGISTER backup
//! ```

mod expiry;

use std::net::SocketAddr;
use std::time::Duration;

use crate::endpoint::challenge::learn_challenge;
use crate::endpoint::shared::{Owner, Shared};
use crate::endpoint::{Event, RegistrationEvent, RegistrationFailure};
use crate::header::NameAddr;
use crate::message::{HeaderName, Method, Request, Response};
use crate::timer::{TimerKind, TimerTable};
use crate::transaction::{TransactionEvent, TransactionId};
use crate::uri::SipUri;

pub(crate) use expiry::{granted_expires, refresh_after};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    Refresh,
    Retry,
    PrimaryRetry,
    Keepalive,
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[
        Timer::Refresh,
        Timer::Retry,
        Timer::PrimaryRetry,
        Timer::Keepalive,
    ];
    fn index(self) -> usize {
        self as usize
    }
}

/// What a REGISTER in flight is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A first registration (or after a failure) with this proxy.
    Register,
    /// Refreshing the binding we hold with this proxy.
    Refresh,
    /// Trying the primary while bound to a backup.
    Probe,
    /// Removing the binding.
    Unregister,
}

#[derive(Clone, Copy, Debug)]
struct Binding {
    proxy: usize,
    contact: SocketAddr,
}

#[derive(Debug)]
struct Attempt {
    tx: TransactionId,
    proxy: usize,
    kind: Kind,
    expires: u32,
    contact: SocketAddr,
    rounds: u8,
    request: Request,
    /// Where `request` went.
    to: SocketAddr,
}

/// The registration of the endpoint's account.
#[derive(Debug)]
pub(crate) struct Registration {
    call_id: String,
    from_tag: String,
    cseq: u32,
    /// The Expires we ask for (raised by a 423).
    expires: u32,
    wanted: bool,
    bound: Option<Binding>,
    attempt: Option<Attempt>,
    timers: TimerTable<Timer, 4>,
    backoff: Duration,
    refresh_due: bool,
}

impl Registration {
    pub(crate) fn new(cx: &mut Shared) -> Registration {
        Registration {
            call_id: cx.new_call_id(),
            from_tag: cx.new_tag(),
            cseq: 0,
            expires: cx.config.registration.expires,
            wanted: false,
            bound: None,
            attempt: None,
            timers: TimerTable::default(),
            backoff: cx.config.registration.retry_min,
            refresh_due: false,
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<std::time::Instant> {
        self.timers.next_deadline()
    }

    /// The proxy we hold a binding with.
    pub(crate) fn bound_proxy(&self) -> Option<usize> {
        self.bound.map(|b| b.proxy)
    }

    /// The proxy calls should use: the one we are registered with, else the
    /// one being tried, else the primary.
    pub(crate) fn active_proxy(&self) -> usize {
        self.bound
            .map(|b| b.proxy)
            .or_else(|| self.attempt.as_ref().map(|a| a.proxy))
            .unwrap_or(0)
    }

    fn host(cx: &Shared, proxy: usize) -> String {
        cx.config
            .account
            .proxies
            .get(proxy)
            .map(|p| p.host.clone())
            .unwrap_or_default()
    }

    fn emit(cx: &mut Shared, e: RegistrationEvent) {
        cx.emit(Event::Registration(e));
    }

    /// Builds a REGISTER to `proxy`. `old` is a Contact to remove in the
    /// same request (our address changed).
    fn build(
        &mut self,
        cx: &mut Shared,
        proxy: usize,
        contact: SocketAddr,
        expires: u32,
        old: Option<SocketAddr>,
    ) -> Option<(Request, SocketAddr)> {
        let p = cx.config.account.proxies.get(proxy)?.clone();
        self.cseq = self.cseq.wrapping_add(1);
        let aor = SipUri::new(p.host.as_str()).with_user(&cx.config.account.username);
        let mut from = NameAddr::new(aor.clone()).with_tag(&self.from_tag);
        if let Some(d) = &cx.config.account.display_name {
            from = from.with_display_name(d);
        }
        let via = cx.new_via();
        let mut b = Request::builder(Method::Register, SipUri::new(p.host.as_str()))
            .via(via)
            .max_forwards(70)
            .from(from)
            .to(NameAddr::new(aor))
            .call_id(self.call_id.as_str())
            .cseq(self.cseq)
            .contact(NameAddr::new(cx.contact_uri(contact)));
        if let Some(old) = old.filter(|o| *o != contact) {
            b = b.contact(NameAddr::new(cx.contact_uri(old)).with_param("expires", Some("0")));
        }
        b = b.header(HeaderName::Expires, expires.to_string());
        let mut req = cx.with_capabilities(b).build();
        cx.authorize(&mut req, p.addr);
        Some((req, p.addr))
    }

    fn send(&mut self, cx: &mut Shared, kind: Kind, proxy: usize, expires: u32, rounds: u8) {
        let (contact, old) = match kind {
            Kind::Unregister => (self.bound.map_or(cx.nat.advertised(), |b| b.contact), None),
            _ => (cx.nat.advertised(), self.bound.map(|b| b.contact)),
        };
        let Some((request, to)) = self.build(cx, proxy, contact, expires, old) else {
            return;
        };
        match cx.send_request(request.clone(), to, Owner::Registration) {
            Ok(tx) => {
                self.attempt = Some(Attempt {
                    tx,
                    proxy,
                    kind,
                    expires,
                    contact,
                    rounds,
                    request,
                    to,
                })
            }
            Err(_) => self.proxy_failed(cx, kind, proxy, RegistrationFailure::TransportError, None),
        }
    }

    /// Command: register and stay registered.
    pub(crate) fn start(&mut self, cx: &mut Shared) {
        self.wanted = true;
        if self.bound.is_none() && self.attempt.is_none() {
            self.timers.stop(Timer::Retry);
            let expires = self.expires;
            self.send(cx, Kind::Register, 0, expires, 0);
        }
    }

    /// Command: remove the registration and stop refreshing it.
    pub(crate) fn stop(&mut self, cx: &mut Shared) {
        self.wanted = false;
        self.timers.clear();
        self.refresh_due = false;
        let mut target = self.bound.map(|b| b.proxy);
        if let Some(att) = self.attempt.take() {
            if att.kind == Kind::Unregister {
                self.attempt = Some(att);
                return;
            }
            cx.owners.insert(att.tx, Owner::Detached);
            target = target.or(Some(att.proxy));
        }
        match target {
            Some(p) => self.send(cx, Kind::Unregister, p, 0, 0),
            None => {
                let proxy = Self::host(cx, 0);
                Self::emit(
                    cx,
                    RegistrationEvent::Unregistered {
                        proxy,
                        failure: None,
                    },
                );
            }
        }
    }

    /// Our public address changed: re-register with the new Contact.
    pub(crate) fn address_changed(&mut self, cx: &mut Shared) {
        if let (true, Some(b), None) = (self.wanted, self.bound, &self.attempt) {
            let expires = self.expires;
            self.send(cx, Kind::Refresh, b.proxy, expires, 0);
        }
    }

    /// An event of one of our transactions.
    pub(crate) fn on_transaction_event(&mut self, cx: &mut Shared, event: TransactionEvent) {
        let tx = match &event {
            TransactionEvent::Response { id, .. }
            | TransactionEvent::Timeout { id }
            | TransactionEvent::TransportError { id } => *id,
            _ => return,
        };
        if self.attempt.as_ref().is_none_or(|a| a.tx != tx) {
            return;
        }
        let Some(att) = self.attempt.take() else {
            return;
        };
        match event {
            TransactionEvent::Response { response, .. } if response.status.is_provisional() => {
                self.attempt = Some(att);
            }
            TransactionEvent::Response { response, .. } => self.on_final(cx, att, response),
            TransactionEvent::Timeout { .. } => {
                self.proxy_failed(cx, att.kind, att.proxy, RegistrationFailure::Timeout, None)
            }
            _ => self.proxy_failed(
                cx,
                att.kind,
                att.proxy,
                RegistrationFailure::TransportError,
                None,
            ),
        }
    }

    fn on_final(&mut self, cx: &mut Shared, att: Attempt, resp: Response) {
        let status = resp.status;
        let reason = resp.reason.to_string();
        match status.as_u16() {
            200..=299 => self.succeeded(cx, att, &resp),
            401 | 407 => {
                let mut rounds = att.rounds;
                match learn_challenge(&mut cx.auth, att.to, &att.request, &resp, &mut rounds) {
                    Ok(()) => self.send(cx, att.kind, att.proxy, att.expires, rounds),
                    Err(f) => self.rejected(cx, att.kind, att.proxy, f),
                }
            }
            423 => match resp.headers.min_expires() {
                Ok(Some(min)) if min > att.expires && att.kind != Kind::Unregister => {
                    self.expires = min;
                    self.send(cx, att.kind, att.proxy, min, att.rounds);
                }
                _ => self.rejected(
                    cx,
                    att.kind,
                    att.proxy,
                    RegistrationFailure::Rejected { status, reason },
                ),
            },
            408 | 500 | 503 | 504 => {
                let retry_after = resp
                    .headers
                    .retry_after()
                    .ok()
                    .flatten()
                    .map(|r| Duration::from_secs(u64::from(r.delta).min(86_400)));
                self.proxy_failed(
                    cx,
                    att.kind,
                    att.proxy,
                    RegistrationFailure::Rejected { status, reason },
                    retry_after,
                )
            }
            _ => self.rejected(
                cx,
                att.kind,
                att.proxy,
                RegistrationFailure::Rejected { status, reason },
            ),
        }
    }

    fn succeeded(&mut self, cx: &mut Shared, att: Attempt, resp: &Response) {
        let proxy = Self::host(cx, att.proxy);
        if att.kind == Kind::Unregister {
            self.bound = None;
            self.timers.clear();
            Self::emit(
                cx,
                RegistrationEvent::Unregistered {
                    proxy,
                    failure: None,
                },
            );
            return;
        }
        let granted = granted_expires(resp, &cx.contact_uri(att.contact), att.expires);
        if granted == 0 {
            let failure = RegistrationFailure::Rejected {
                status: resp.status,
                reason: format!("{} (granted Expires: 0)", resp.reason),
            };
            self.rejected(cx, att.kind, att.proxy, failure);
            return;
        }
        let previous = self.bound.replace(Binding {
            proxy: att.proxy,
            contact: att.contact,
        });
        self.backoff = cx.config.registration.retry_min;
        self.refresh_due = false;
        let expires = Duration::from_secs(u64::from(granted));
        let refreshed = att.kind == Kind::Refresh && previous.is_some_and(|b| b.proxy == att.proxy);
        Self::emit(
            cx,
            if refreshed {
                RegistrationEvent::Refreshed { proxy, expires }
            } else {
                RegistrationEvent::Registered { proxy, expires }
            },
        );
        if let Some(old) = previous.filter(|b| b.proxy != att.proxy) {
            self.remove_binding_at(cx, old);
        }
        let now = cx.now;
        let policy = cx.config.registration.clone();
        self.timers.stop(Timer::Retry);
        self.timers
            .set_after(Timer::Refresh, now, refresh_after(granted));
        if att.proxy == 0 {
            self.timers.stop(Timer::PrimaryRetry);
        } else if self.timers.get(Timer::PrimaryRetry).is_none() {
            self.timers
                .set_after(Timer::PrimaryRetry, now, policy.primary_retry);
        }
        match policy.keepalive {
            Some(k) => self.timers.set_after(Timer::Keepalive, now, k),
            None => self.timers.stop(Timer::Keepalive),
        }
        if att.contact != cx.nat.advertised() {
            self.address_changed(cx);
        }
    }

    /// After moving back to the primary: remove the binding at the backup,
    /// fire and forget.
    fn remove_binding_at(&mut self, cx: &mut Shared, old: Binding) {
        if let Some((req, to)) = self.build(cx, old.proxy, old.contact, 0, None) {
            let _ = cx.send_request(req, to, Owner::Detached);
        }
    }

    /// A refusal that another proxy would not change (403, 404, wrong
    /// credentials): wait the longest back-off, then start over.
    fn rejected(&mut self, cx: &mut Shared, kind: Kind, at: usize, failure: RegistrationFailure) {
        let proxy = Self::host(cx, at);
        match kind {
            Kind::Unregister => self.unregister_failed(cx, proxy, failure),
            Kind::Probe => self.probe_failed(cx, proxy, failure),
            Kind::Register | Kind::Refresh => {
                self.unbind();
                let wait = cx.config.registration.retry_max;
                Self::emit(
                    cx,
                    RegistrationEvent::Failed {
                        proxy,
                        failure,
                        retry_in: Some(wait),
                    },
                );
                self.timers.set_after(Timer::Retry, cx.now, wait);
            }
        }
    }

    /// The proxy is unreachable or overloaded (timeout, transport error,
    /// 408, 5xx): try the next one, or wait and start over.
    fn proxy_failed(
        &mut self,
        cx: &mut Shared,
        kind: Kind,
        at: usize,
        failure: RegistrationFailure,
        retry_after: Option<Duration>,
    ) {
        let proxy = Self::host(cx, at);
        match kind {
            Kind::Unregister => self.unregister_failed(cx, proxy, failure),
            Kind::Probe => self.probe_failed(cx, proxy, failure),
            Kind::Register | Kind::Refresh => {
                self.unbind();
                let next = at + 1;
                if next < cx.config.account.proxies.len() {
                    let to = Self::host(cx, next);
                    Self::emit(
                        cx,
                        RegistrationEvent::Failed {
                            proxy: proxy.clone(),
                            failure,
                            retry_in: None,
                        },
                    );
                    Self::emit(cx, RegistrationEvent::FailedOver { from: proxy, to });
                    let expires = self.expires;
                    self.send(cx, Kind::Register, next, expires, 0);
                } else {
                    let wait = self.backoff.max(retry_after.unwrap_or_default());
                    let max = cx.config.registration.retry_max;
                    self.backoff = self.backoff.saturating_mul(2).min(max);
                    Self::emit(
                        cx,
                        RegistrationEvent::Failed {
                            proxy,
                            failure,
                            retry_in: Some(wait),
                        },
                    );
                    self.timers.set_after(Timer::Retry, cx.now, wait);
                }
            }
        }
    }

    fn unbind(&mut self) {
        self.bound = None;
        self.refresh_due = false;
        self.timers.stop(Timer::Refresh);
        self.timers.stop(Timer::Keepalive);
        self.timers.stop(Timer::PrimaryRetry);
    }

    fn unregister_failed(&mut self, cx: &mut Shared, proxy: String, failure: RegistrationFailure) {
        self.bound = None;
        self.timers.clear();
        Self::emit(
            cx,
            RegistrationEvent::Unregistered {
                proxy,
                failure: Some(failure),
            },
        );
    }

    /// The primary still fails: stay with the backup, try again later.
    fn probe_failed(&mut self, cx: &mut Shared, proxy: String, failure: RegistrationFailure) {
        let wait = cx.config.registration.primary_retry;
        Self::emit(
            cx,
            RegistrationEvent::Failed {
                proxy,
                failure,
                retry_in: Some(wait),
            },
        );
        self.timers.set_after(Timer::PrimaryRetry, cx.now, wait);
        if std::mem::take(&mut self.refresh_due) {
            if let Some(b) = self.bound {
                let expires = self.expires;
                self.send(cx, Kind::Refresh, b.proxy, expires, 0);
            }
        }
    }

    /// Fires the timers due now.
    pub(crate) fn on_timer(&mut self, cx: &mut Shared) {
        while let Some(t) = self.timers.take_expired(cx.now) {
            let expires = self.expires;
            match t {
                Timer::Refresh => match (self.bound, &self.attempt) {
                    (Some(_), Some(_)) => self.refresh_due = true,
                    (Some(b), None) => self.send(cx, Kind::Refresh, b.proxy, expires, 0),
                    (None, _) => {}
                },
                Timer::Retry => {
                    if self.wanted && self.attempt.is_none() && self.bound.is_none() {
                        self.send(cx, Kind::Register, 0, expires, 0);
                    }
                }
                Timer::PrimaryRetry => match (self.bound, &self.attempt) {
                    (Some(b), None) if b.proxy != 0 => {
                        self.send(cx, Kind::Probe, 0, expires, 0);
                    }
                    (Some(b), Some(_)) if b.proxy != 0 => {
                        let wait = cx.config.registration.primary_retry;
                        self.timers.set_after(Timer::PrimaryRetry, cx.now, wait);
                    }
                    _ => {}
                },
                Timer::Keepalive => {
                    if let (Some(b), Some(k)) = (self.bound, cx.config.registration.keepalive) {
                        if let Some(p) = cx.config.account.proxies.get(b.proxy) {
                            let to = p.addr;
                            cx.transmit(to, bytes::Bytes::from_static(b"\r\n\r\n"));
                        }
                        self.timers.set_after(Timer::Keepalive, cx.now, k);
                    }
                }
            }
        }
    }
}
