//! A scripted call engine for the service tests: each phone number has a script of outcomes
//! (one per attempt, the last repeating), played out in real (short) time. It records every
//! dial, the peak number of calls in flight and the trunks applied.

use dialer_api::scheduler::{
    CallEngine, CallJob, CallOutcome, CallProgress, CallQuality, EngineFuture, FinalStatus,
    HangupBy, ProgressState, RegistrationState, RegistrationStatus, TrunkSettings,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// What one attempt does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Script {
    /// Rings, is answered, talks for `talk_ms`, callee hangs up.
    Answer { ring_ms: u64, talk_ms: u64 },
    /// Rings, is answered and stays up until hung up (or `max_duration`).
    Hold { ring_ms: u64 },
    /// Rings, then 486 Busy Here.
    Busy { ring_ms: u64 },
    /// Rings until CANCEL after `ring_ms`.
    NoAnswer { ring_ms: u64 },
    /// Fails with this SIP status after `after_ms`.
    Fail { status: u16, after_ms: u64 },
    /// The engine panics.
    Panic,
    /// Stays stuck before the INVITE (no `dialing` progress) until hung up.
    Stall,
}

/// One dial as the engine saw it.
#[derive(Debug, Clone)]
pub struct Dial {
    pub call_id: String,
    pub call_sid: String,
    pub account_sid: String,
    pub hangup_token: String,
    pub phone: String,
    pub attempt: u32,
    pub user_id: String,
    pub trunk: TrunkSettings,
    pub params: std::collections::BTreeMap<String, String>,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    scripts: HashMap<String, Vec<Script>>,
    attempts: HashMap<String, usize>,
    dials: Vec<Dial>,
    hangups: HashMap<String, oneshot::Sender<HangupBy>>,
    trunks: HashMap<String, TrunkSettings>,
}

/// The scripted engine.
pub struct ScriptedEngine {
    state: Mutex<State>,
    default: Script,
    active: Arc<AtomicUsize>,
    peak: AtomicUsize,
    quality: CallQuality,
}

impl ScriptedEngine {
    /// An engine where unscripted numbers play `default`.
    pub fn new(default: Script) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::default()),
            default,
            active: Arc::new(AtomicUsize::new(0)),
            peak: AtomicUsize::new(0),
            quality: CallQuality {
                loss: 0.01,
                jitter_ms: 4.0,
                mos: 4.3,
            },
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Scripts a number: one entry per attempt, the last repeating.
    pub fn script(&self, phone: &str, scripts: Vec<Script>) {
        self.lock().scripts.insert(phone.to_owned(), scripts);
    }

    /// Every dial so far.
    pub fn dials(&self) -> Vec<Dial> {
        self.lock().dials.clone()
    }

    /// Dials per phone number.
    pub fn dials_per_phone(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for d in self.lock().dials.iter() {
            *counts.entry(d.phone.clone()).or_default() += 1;
        }
        counts
    }

    /// Most calls in flight at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Calls in flight now.
    pub fn active(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// The trunk last applied for a user.
    pub fn trunk(&self, user_id: &str) -> Option<TrunkSettings> {
        self.lock().trunks.get(user_id).cloned()
    }

    fn next_script(&self, phone: &str) -> Script {
        let mut state = self.lock();
        let n = {
            let n = state.attempts.entry(phone.to_owned()).or_default();
            *n += 1;
            *n
        };
        match state.scripts.get(phone) {
            Some(list) if !list.is_empty() => list[(n - 1).min(list.len() - 1)],
            _ => self.default,
        }
    }
}

struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn progress(job: &CallJob, state: ProgressState) {
    let _ = job.progress.send(CallProgress {
        state,
        at: chrono::Utc::now(),
    });
}

fn outcome(status: FinalStatus, sip: Option<(u16, &str)>) -> CallOutcome {
    CallOutcome {
        status,
        sip_status: sip.map(|s| s.0),
        sip_reason: sip.map(|s| s.1.to_owned()),
        hangup_by: None,
        ring_ms: None,
        answer_ms: None,
        talk_ms: 0,
        codec: None,
        quality: None,
        failure_reason: None,
    }
}

impl CallEngine for ScriptedEngine {
    fn apply_trunk(&self, user_id: &str, trunk: TrunkSettings) {
        self.lock().trunks.insert(user_id.to_owned(), trunk);
    }

    fn registration(&self, user_id: &str) -> RegistrationStatus {
        match self.lock().trunks.get(user_id) {
            None => RegistrationStatus {
                state: RegistrationState::Unregistered,
                last_error: None,
                since: None,
            },
            Some(t) if !t.register => RegistrationStatus {
                state: RegistrationState::NotRequired,
                last_error: None,
                since: None,
            },
            Some(t) if t.username == "rejected" => RegistrationStatus {
                state: RegistrationState::Failed,
                last_error: Some(format!("403 Forbidden from {}", t.proxies[0])),
                since: Some(chrono::Utc::now()),
            },
            Some(_) => RegistrationStatus {
                state: RegistrationState::Registered,
                last_error: None,
                since: Some(chrono::Utc::now()),
            },
        }
    }

    fn place(&self, job: CallJob) -> EngineFuture<CallOutcome> {
        let script = self.next_script(&job.phone);
        let (hangup_tx, mut hangup_rx) = oneshot::channel();
        {
            let mut state = self.lock();
            state.hangups.insert(job.call_id.clone(), hangup_tx);
            state.dials.push(Dial {
                call_id: job.call_id.clone(),
                call_sid: job.call_sid.clone(),
                account_sid: job.account_sid.clone(),
                hangup_token: job.hangup_token.clone(),
                phone: job.phone.clone(),
                attempt: job.attempt,
                user_id: job.user_id.clone(),
                trunk: job.trunk.clone(),
                params: job.params.clone(),
                at: Instant::now(),
            });
        }
        let now_active = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now_active, Ordering::SeqCst);
        let guard = ActiveGuard(Arc::clone(&self.active));
        let quality = self.quality;
        Box::pin(async move {
            let _guard = guard;
            if script == Script::Stall {
                let _ = hangup_rx.await;
                return CallOutcome::failed("stalled before dialing, then hung up");
            }
            progress(&job, ProgressState::Dialing);
            let canceled = || outcome(FinalStatus::Canceled, Some((487, "Request Terminated")));
            let (ring_ms, talk_ms) = match script {
                Script::Panic => panic!("scripted engine panic"),
                Script::Stall => unreachable!("handled before dialing"),
                Script::Fail { status, after_ms } => {
                    sleep_ms(after_ms).await;
                    let mut o = outcome(FinalStatus::Failed, Some((status, "Service Unavailable")));
                    o.failure_reason = Some(format!("trunk answered {status} Service Unavailable"));
                    return o;
                }
                Script::Busy { ring_ms } => {
                    progress(&job, ProgressState::Ringing);
                    if ring(ring_ms, &mut hangup_rx).await {
                        return canceled();
                    }
                    let mut o = outcome(FinalStatus::Busy, Some((486, "Busy Here")));
                    o.ring_ms = Some(ring_ms);
                    return o;
                }
                Script::NoAnswer { ring_ms } => {
                    progress(&job, ProgressState::Ringing);
                    if ring(ring_ms, &mut hangup_rx).await {
                        return canceled();
                    }
                    return outcome(FinalStatus::NoAnswer, Some((487, "Request Terminated")));
                }
                Script::Answer { ring_ms, talk_ms } => (ring_ms, Some(talk_ms)),
                Script::Hold { ring_ms } => (ring_ms, None),
            };
            progress(&job, ProgressState::Ringing);
            if ring(ring_ms, &mut hangup_rx).await {
                return canceled();
            }
            progress(&job, ProgressState::InProgress);
            let answered = Instant::now();
            let limit =
                talk_ms.unwrap_or(u64::try_from(job.max_duration.as_millis()).unwrap_or(u64::MAX));
            let by = tokio::select! {
                _ = sleep_ms(limit) => if talk_ms.is_some() { HangupBy::Callee } else { HangupBy::Trunkline },
                by = &mut hangup_rx => by.unwrap_or(HangupBy::Trunkline),
            };
            let mut o = outcome(FinalStatus::Completed, Some((200, "OK")));
            o.hangup_by = Some(by);
            o.ring_ms = Some(ring_ms);
            o.answer_ms = Some(ring_ms);
            o.talk_ms = u64::try_from(answered.elapsed().as_millis()).unwrap_or(u64::MAX);
            o.codec = Some("PCMU".into());
            o.quality = Some(quality);
            o
        })
    }

    fn hangup(&self, call_id: &str, by: HangupBy) -> bool {
        match self.lock().hangups.remove(call_id) {
            Some(tx) => tx.send(by).is_ok(),
            None => false,
        }
    }
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Rings for `ms`; true when hung up meanwhile.
async fn ring(ms: u64, rx: &mut oneshot::Receiver<HangupBy>) -> bool {
    tokio::select! {
        _ = sleep_ms(ms) => false,
        _ = rx => true,
    }
}
