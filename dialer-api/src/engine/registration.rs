//! Registration state per trunk, as the SIP driver learns it, and waiting
//! for a registration's outcome.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use sip_core::endpoint::RegistrationEvent;
use tokio::sync::broadcast;

use super::error::{ProxyFailure, RegisterError};
use crate::scheduler::{RegistrationState, RegistrationStatus};

/// A successful registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The proxy that accepted it (host name).
    pub proxy: String,
    /// The lifetime it granted.
    pub expires: Duration,
    /// Proxies that failed before it, in order.
    pub failures: Vec<ProxyFailure>,
}

/// Every trunk's registration state, and a feed of the events behind it.
#[derive(Debug)]
pub(crate) struct RegistrationBook {
    statuses: Mutex<HashMap<String, RegistrationStatus>>,
    events: broadcast::Sender<(String, RegistrationEvent)>,
}

impl Default for RegistrationBook {
    fn default() -> Self {
        RegistrationBook {
            statuses: Mutex::new(HashMap::new()),
            events: broadcast::channel(256).0,
        }
    }
}

impl RegistrationBook {
    /// Sets a trunk's state.
    pub(crate) fn set(&self, name: &str, state: RegistrationState, last_error: Option<String>) {
        if let Ok(mut s) = self.statuses.lock() {
            let entry = s
                .entry(name.to_owned())
                .or_insert_with(|| RegistrationStatus {
                    state,
                    last_error: None,
                    since: None,
                });
            if entry.state != state || entry.since.is_none() {
                entry.since = Some(Utc::now());
            }
            entry.state = state;
            if last_error.is_some() || state == RegistrationState::Registered {
                entry.last_error = last_error;
            }
        }
    }

    /// A trunk's state (unregistered when unknown).
    pub(crate) fn status(&self, name: &str) -> RegistrationStatus {
        self.statuses
            .lock()
            .ok()
            .and_then(|s| s.get(name).cloned())
            .unwrap_or(RegistrationStatus {
                state: RegistrationState::Unregistered,
                last_error: None,
                since: None,
            })
    }

    /// Follows registration events from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<(String, RegistrationEvent)> {
        self.events.subscribe()
    }

    /// Records an event of trunk `name` and passes it to the subscribers.
    pub(crate) fn on_event(&self, name: &str, event: RegistrationEvent) {
        match &event {
            RegistrationEvent::Registered { .. } | RegistrationEvent::Refreshed { .. } => {
                self.set(name, RegistrationState::Registered, None);
            }
            RegistrationEvent::Failed {
                proxy,
                failure,
                retry_in,
            } => {
                let state = if retry_in.is_some() {
                    RegistrationState::Failed
                } else {
                    RegistrationState::Registering
                };
                self.set(name, state, Some(format!("{failure} from {proxy}")));
            }
            RegistrationEvent::FailedOver { .. } => {
                self.set(name, RegistrationState::Registering, None);
            }
            RegistrationEvent::Unregistered { proxy, failure } => {
                let error = failure
                    .as_ref()
                    .map(|f| format!("un-REGISTER: {f} from {proxy}"));
                self.set(name, RegistrationState::Unregistered, error);
            }
        }
        let _ = self.events.send((name.to_owned(), event));
    }
}

/// Waits for trunk `name` to register: success, or every proxy failing
/// once (one [`ProxyFailure`] each), or `limit` passing.
pub(crate) async fn wait_registered(
    mut events: broadcast::Receiver<(String, RegistrationEvent)>,
    name: &str,
    limit: Duration,
) -> Result<Registered, RegisterError> {
    let mut failures = Vec::new();
    let outcome = tokio::time::timeout(limit, async {
        loop {
            let event = match events.recv().await {
                Ok((n, e)) if n == name => e,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Err(RegisterError::Stopped),
            };
            match event {
                RegistrationEvent::Registered { proxy, expires }
                | RegistrationEvent::Refreshed { proxy, expires } => {
                    return Ok(Registered {
                        proxy,
                        expires,
                        failures: std::mem::take(&mut failures),
                    });
                }
                RegistrationEvent::Failed {
                    proxy,
                    failure,
                    retry_in,
                } => {
                    failures.push(ProxyFailure {
                        proxy,
                        reason: failure.to_string(),
                        failure,
                    });
                    if retry_in.is_some() {
                        return Err(RegisterError::Failed(std::mem::take(&mut failures)));
                    }
                }
                RegistrationEvent::FailedOver { .. } | RegistrationEvent::Unregistered { .. } => {}
            }
        }
    })
    .await;
    outcome.unwrap_or(Err(RegisterError::NoOutcome(limit)))
}

/// Waits for trunk `name`'s un-REGISTER to finish; returns the failure, if any.
pub(crate) async fn wait_unregistered(
    mut events: broadcast::Receiver<(String, RegistrationEvent)>,
    name: &str,
    limit: Duration,
) -> Result<(), RegisterError> {
    let outcome = tokio::time::timeout(limit, async {
        loop {
            match events.recv().await {
                Ok((n, RegistrationEvent::Unregistered { proxy, failure })) if n == name => {
                    return match failure {
                        None => Ok(()),
                        Some(f) => Err(RegisterError::Failed(vec![ProxyFailure {
                            proxy,
                            reason: f.to_string(),
                            failure: f,
                        }])),
                    };
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Err(RegisterError::Stopped),
            }
        }
    })
    .await;
    outcome.unwrap_or(Err(RegisterError::NoOutcome(limit)))
}
