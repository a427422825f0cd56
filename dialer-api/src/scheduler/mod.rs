//! The scheduler: claims due attempts from the shared queue within each trunk's limits and each
//! batch's calling window, hands them to the [`CallEngine`], records progress, settles credits
//! and retries on every outcome, keeps its leases alive and recovers calls left by dead nodes.
//!
//! ```text
//!  tick ──> running batches ──> open windows ──> Store::claim (per user: slots, cps, credits)
//!    ▲                                                   │ ClaimedCall
//!    │ wake                                              ▼
//!  settle <── CallOutcome <── CallEngine::place(CallJob) ──> progress ──> Store::record_progress
//!    └──> webhook, metrics                                                  └──> webhook
//!  every tick: hang-ups requested on any node · maintain: renew leases · orphaned calls -> failed "interrupted"
//! ```

mod call_task;
pub mod engine;
pub mod model;
pub mod window;

pub use engine::{
    CallEngine, CallJob, CallOutcome, CallProgress, CallQuality, EngineFuture, FinalStatus,
    HangupBy, ProgressState, RegistrationState, RegistrationStatus, TrunkSettings,
};

use crate::api::metrics::Metrics;
use crate::billing::{Micros, Tariff};
use crate::store::secrets::SecretBox;
use crate::store::{
    Backend, CallRow, ClaimRequest, FinalRecord, RetryPlan, Settler, Store, StoreError,
};
use crate::webhook::WebhookSender;
use model::{BatchSpec, PhoneConfig};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use window::ParsedWindow;

/// Scheduler settings.
#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// This node's id in leases (unique per process).
    pub node_id: String,
    /// Longest pause between two claim passes (a new batch or a freed slot wakes it sooner).
    pub tick: Duration,
    /// Lease length; renewed every third of it. A node silent this long is presumed dead.
    pub lease: Duration,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            node_id: crate::store::secrets::random_token("node-"),
            tick: Duration::from_millis(250),
            lease: Duration::from_secs(30),
        }
    }
}

struct Inner {
    store: Store,
    engine: Arc<dyn CallEngine>,
    secrets: SecretBox,
    webhooks: WebhookSender,
    metrics: Arc<Metrics>,
    settings: SchedulerSettings,
    wake: Notify,
    loops: Mutex<Vec<AbortHandle>>,
    calls: Mutex<HashMap<String, AbortHandle>>,
    calls_changed: Notify,
}

/// Handle to a running scheduler; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("node_id", &self.inner.settings.node_id)
            .finish()
    }
}

/// The retry plan of a batch.
pub fn retry_plan(spec: &BatchSpec) -> RetryPlan {
    RetryPlan {
        on: spec
            .retry
            .on
            .iter()
            .map(|r| r.as_status().to_owned())
            .collect(),
        max_attempts: i64::from(spec.retry.max_attempts),
        delay_ms: i64::from(spec.retry.delay_seconds) * 1000,
    }
}

/// The tariff of a trunk configuration.
pub fn tariff(config: &PhoneConfig) -> Tariff {
    Tariff {
        rate_per_minute: Micros::from_credits(config.rate_per_minute).unwrap_or_default(),
        increment_seconds: config.billing_increment_seconds.max(1),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Scheduler {
    /// A scheduler over `store` that dials through `engine`; call [`Scheduler::start`] to run it.
    pub fn new(
        store: Store,
        engine: Arc<dyn CallEngine>,
        secrets: SecretBox,
        webhooks: WebhookSender,
        metrics: Arc<Metrics>,
        settings: SchedulerSettings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                engine,
                secrets,
                webhooks,
                metrics,
                settings,
                wake: Notify::new(),
                loops: Mutex::new(Vec::new()),
                calls: Mutex::new(HashMap::new()),
                calls_changed: Notify::new(),
            }),
        }
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.inner.settings.node_id
    }

    /// Calls this node is placing now.
    pub fn calls_here(&self) -> usize {
        lock(&self.inner.calls).len()
    }

    /// Recovers calls left in flight by dead nodes, then runs the claim and maintenance loops.
    pub async fn start(&self) -> Result<usize, StoreError> {
        let recovered = self.recover(true).await?;
        let this = self.clone();
        let claim_loop = tokio::spawn(async move {
            loop {
                if let Err(e) = this.tick().await {
                    tracing::warn!(error = %e, "scheduler pass failed");
                }
                // Hang-ups asked on any node (cancel, the Twilio route) reach this node's calls
                // within one tick: one indexed query per pass.
                if let Err(e) = this.process_hangups().await {
                    tracing::warn!(error = %e, "hang-up requests not read");
                }
                tokio::select! {
                    _ = tokio::time::sleep(this.inner.settings.tick) => {}
                    _ = this.inner.wake.notified() => {}
                }
            }
        });
        let this = self.clone();
        let maintain_loop = tokio::spawn(async move {
            let period = this.inner.settings.lease / 3;
            loop {
                tokio::time::sleep(period).await;
                if let Err(e) = this.maintain().await {
                    tracing::warn!(error = %e, "scheduler maintenance failed");
                }
            }
        });
        lock(&self.inner.loops).extend([claim_loop.abort_handle(), maintain_loop.abort_handle()]);
        Ok(recovered)
    }

    /// Asks for a claim pass now (new batch, resume, freed slot).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// One claim pass over every running batch; returns how many calls it started.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let inner = &self.inner;
        let now = chrono::Utc::now();
        let mut per_user: BTreeMap<String, Vec<(String, Arc<BatchSpec>)>> = BTreeMap::new();
        for batch in inner.store.batches_in_state("running").await? {
            let spec: BatchSpec = match serde_json::from_str(&batch.spec_json) {
                Ok(spec) => spec,
                Err(e) => {
                    tracing::error!(batch = %batch.id, error = %e, "stored batch cannot be read; skipped");
                    continue;
                }
            };
            if let Some(w) = &spec.schedule.window {
                match ParsedWindow::parse(w) {
                    Ok(parsed) if parsed.is_open(now) => {}
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::error!(batch = %batch.id, error = %e, "stored window invalid; skipped");
                        continue;
                    }
                }
            }
            per_user
                .entry(batch.user_id.clone())
                .or_default()
                .push((batch.id, Arc::new(spec)));
        }
        let mut started = 0;
        for (user_id, batches) in per_user {
            started += self.claim_for_user(&user_id, &batches).await?;
        }
        Ok(started)
    }

    async fn claim_for_user(
        &self,
        user_id: &str,
        batches: &[(String, Arc<BatchSpec>)],
    ) -> Result<usize, StoreError> {
        let inner = &self.inner;
        let Some(config_row) = inner.store.phone_config(user_id).await? else {
            return Ok(0);
        };
        let config: PhoneConfig = match serde_json::from_str(&config_row.config_json) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(user = user_id, error = %e, "stored phone config cannot be read");
                return Ok(0);
            }
        };
        let tariff = tariff(&config);
        let request = ClaimRequest {
            user_id: user_id.to_owned(),
            batches: batches
                .iter()
                .map(|(id, spec)| {
                    let reserve = tariff.reservation(u64::from(spec.max_duration_seconds));
                    (id.clone(), reserve.0)
                })
                .collect(),
            max_concurrent: i64::from(config.max_concurrent_calls),
            max_per_second: i64::from(config.max_calls_per_second),
            rate_per_minute: tariff.rate_per_minute.0,
            increment_seconds: i64::from(tariff.increment_seconds),
            node: inner.settings.node_id.clone(),
            lease_ms: i64::try_from(inner.settings.lease.as_millis()).unwrap_or(i64::MAX),
            skip: lock(&inner.calls).keys().cloned().collect(),
        };
        let outcome = inner.store.claim(&request).await?;
        if outcome.claimed.is_empty() && outcome.failed.is_empty() {
            return Ok(0);
        }
        let Some(user) = inner.store.user(user_id).await? else {
            for claimed in &outcome.claimed {
                self.settle_unplaceable(&claimed.row, None, "the user no longer exists")
                    .await;
            }
            return Ok(0);
        };
        let webhook_secret = inner.secrets.open(&user.webhook_secret_enc).ok();
        let spec_of = |batch_id: &str| {
            batches
                .iter()
                .find(|(id, _)| id == batch_id)
                .map(|(_, s)| Arc::clone(s))
        };
        for failed in &outcome.failed {
            inner.metrics.call_ended(&failed.status, None, None);
            if let (Some(spec), Some(secret)) = (spec_of(&failed.batch_id), &webhook_secret) {
                if let Some(url) = &spec.webhook_url {
                    inner
                        .webhooks
                        .queue(url.clone(), secret.clone())
                        .push(call_task::event(failed));
                }
            }
        }
        let password = inner.secrets.open(&config_row.password_enc);
        let mut started = 0;
        for claimed in outcome.claimed {
            let Some(spec) = spec_of(&claimed.row.batch_id) else {
                self.settle_unplaceable(&claimed.row, None, "the batch settings could not be read")
                    .await;
                continue;
            };
            let Ok(password) = password.clone() else {
                self.settle_unplaceable(
                    &claimed.row,
                    Some(&spec),
                    "the trunk password cannot be decrypted: check security.secret_key",
                )
                .await;
                continue;
            };
            let trunk = TrunkSettings::from_config(user_id, &config, password);
            let context = call_task::CallContext {
                spec,
                trunk,
                account_sid: user.account_sid.clone(),
                webhook_secret: webhook_secret.clone(),
            };
            let this = self.clone();
            let call_id = claimed.row.id.clone();
            {
                let mut calls = lock(&inner.calls);
                let handle = tokio::spawn(async move {
                    call_task::run(&this, claimed, context).await;
                });
                calls.insert(call_id, handle.abort_handle());
            }
            started += 1;
        }
        Ok(started)
    }

    /// Settles a claimed attempt that cannot be handed to the engine as `failed` with `reason`.
    async fn settle_unplaceable(&self, call: &CallRow, spec: Option<&BatchSpec>, reason: &str) {
        let record = FinalRecord {
            status: "failed".into(),
            failure_reason: Some(reason.to_owned()),
            ended_at: crate::store::now_ms(),
            ..FinalRecord::default()
        };
        let plan = spec.map(retry_plan);
        if let Err(e) = self
            .inner
            .store
            .settle(
                &call.id,
                Settler::Owner(self.node_id()),
                &record,
                plan.as_ref(),
            )
            .await
        {
            tracing::error!(call = %call.id, error = %e, "cannot settle an unplaceable call");
        }
    }

    /// Renews this node's leases, hangs up its calls whose lease was lost, and recovers calls
    /// whose node stopped renewing.
    pub async fn maintain(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let lease_ms = i64::try_from(inner.settings.lease.as_millis()).unwrap_or(i64::MAX);
        // Calls placed here before the renewal: any of them it did not renew is either settled
        // by its own task already or lost (expired, then recovered by another node).
        let running: Vec<String> = lock(&inner.calls).keys().cloned().collect();
        let renewed: HashSet<String> = inner
            .store
            .renew_leases(&inner.settings.node_id, crate::store::now_ms(), lease_ms)
            .await?
            .into_iter()
            .collect();
        for id in running.iter().filter(|id| !renewed.contains(*id)) {
            // Hung up at once so a lost call does not run on unbilled; its outcome will not be
            // settled (the store refuses: this node no longer holds it).
            if inner.engine.hangup(id, HangupBy::Trunkline) {
                tracing::warn!(call = %id, "lease lost (expired and taken over): call hung up");
            }
        }
        self.recover(false).await?;
        Ok(())
    }

    /// Passes hang-ups requested through the store (cancel, the Twilio route) to the engine.
    pub async fn process_hangups(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        for (call_id, by) in inner
            .store
            .hangups_requested(&inner.settings.node_id)
            .await?
        {
            let by = if by == crate::store::HANGUP_BY_HANDLER {
                HangupBy::Handler
            } else {
                HangupBy::Trunkline
            };
            inner.engine.hangup(&call_id, by);
        }
        Ok(())
    }

    /// Recovers calls left in flight by a dead node. One whose INVITE was never sent goes back
    /// to the queue with its reservation returned (so it is still dialed, once). One that was
    /// dialed is settled as `failed` / `interrupted` (retried when the batch's policy retries
    /// failures), charging only talk time up to the node's last heartbeat. `at_start` on SQLite
    /// takes every call in flight (one node: whatever is in flight is from a previous run).
    /// Returns how many calls were recovered.
    pub async fn recover(&self, at_start: bool) -> Result<usize, StoreError> {
        let inner = &self.inner;
        let now = crate::store::now_ms();
        let all = at_start && inner.store.backend() == Backend::Sqlite;
        let mut recovered = 0;
        for call in inner
            .store
            .orphaned_calls(now, &inner.settings.node_id, all)
            .await?
        {
            if call.invite_sent_at.is_none() {
                if let Some(released) = inner.store.release_unsent(&call.id, now, all).await? {
                    tracing::warn!(call = %call.id, owner = ?call.lease_owner, status = %released.status,
                        "call claimed by a dead node but never dialed; released");
                    recovered += 1;
                    if let Some(batch) = inner.store.batch_any_owner(&call.batch_id).await? {
                        call_task::notify_recovered(self, &batch, &released).await;
                    }
                }
                continue;
            }
            let last_alive = call.heartbeat_at.or(call.dialing_at).unwrap_or(now);
            let talk_ms = call
                .answered_at
                .map(|answered| (last_alive - answered).max(0))
                .unwrap_or(0);
            let record = FinalRecord {
                status: "failed".into(),
                failure_reason: Some("interrupted".into()),
                hangup_by: call.answered_at.map(|_| "trunkline".to_owned()),
                talk_ms,
                ended_at: now,
                ..FinalRecord::default()
            };
            let plan = match inner.store.batch_any_owner(&call.batch_id).await? {
                Some(batch) => serde_json::from_str::<BatchSpec>(&batch.spec_json)
                    .ok()
                    .map(|spec| retry_plan(&spec)),
                None => None,
            };
            if let Some(result) = inner
                .store
                .settle(
                    &call.id,
                    Settler::Recovery {
                        now,
                        any_lease: all,
                    },
                    &record,
                    plan.as_ref(),
                )
                .await?
            {
                tracing::warn!(call = %call.id, owner = ?call.lease_owner, "call interrupted by a dead node; settled");
                inner.metrics.call_ended("failed", None, None);
                recovered += 1;
                if let Some(batch) = inner.store.batch_any_owner(&call.batch_id).await? {
                    call_task::notify_recovered(self, &batch, &result.call).await;
                }
            }
        }
        if recovered > 0 {
            self.wake();
        }
        Ok(recovered)
    }

    /// Stops like `kill -9` would: the loops and every call task end at once, nothing is settled.
    pub fn kill(&self) {
        for handle in lock(&self.inner.loops).drain(..) {
            handle.abort();
        }
        for (_, handle) in lock(&self.inner.calls).drain() {
            handle.abort();
        }
    }

    /// Stops claiming, hangs up every call this node is placing and waits (up to `grace`) for
    /// their outcomes to be settled.
    pub async fn shutdown(&self, grace: Duration) {
        for handle in lock(&self.inner.loops).drain(..) {
            handle.abort();
        }
        let ids: Vec<String> = lock(&self.inner.calls).keys().cloned().collect();
        for id in ids {
            self.inner.engine.hangup(&id, HangupBy::Trunkline);
        }
        let wait = async {
            loop {
                let notified = self.inner.calls_changed.notified();
                if lock(&self.inner.calls).is_empty() {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(grace, wait).await.is_err() {
            tracing::warn!(
                left = self.calls_here(),
                "calls still in flight after the shutdown grace period"
            );
        }
    }

    pub(crate) fn inner_store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn engine(&self) -> &Arc<dyn CallEngine> {
        &self.inner.engine
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn webhooks(&self) -> &WebhookSender {
        &self.inner.webhooks
    }

    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.inner.secrets
    }

    pub(crate) fn call_finished(&self, call_id: &str) {
        lock(&self.inner.calls).remove(call_id);
        self.inner.calls_changed.notify_waiters();
        self.wake();
    }
}
