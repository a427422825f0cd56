//! One claimed attempt from dial to settlement: runs the engine, records progress, settles
//! credits and retries, sends webhooks and frees the slot whatever happens.

use super::engine::{CallJob, CallOutcome, CallProgress};
use super::model::BatchSpec;
use super::{Scheduler, TrunkSettings, retry_plan};
use crate::api::calls::CallView;
use crate::store::{BatchRow, CallRow, ClaimedCall, FinalRecord, ProgressRecord, Settler};
use crate::webhook::WebhookQueue;
use futures_util::FutureExt;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a call task needs besides the claimed row.
pub(super) struct CallContext {
    pub spec: Arc<BatchSpec>,
    pub trunk: TrunkSettings,
    pub account_sid: String,
    pub webhook_secret: Option<String>,
}

/// The webhook body for a call's current state.
pub(super) fn event(call: &CallRow) -> serde_json::Value {
    serde_json::json!({
        "event": "call.status",
        "status": call.status,
        "call": CallView::from_row(call),
        "sent_at": chrono::Utc::now().to_rfc3339(),
    })
}

fn params(call: &CallRow) -> BTreeMap<String, String> {
    serde_json::from_str(&call.params_json).unwrap_or_default()
}

fn final_record(outcome: &CallOutcome) -> FinalRecord {
    FinalRecord {
        status: outcome.status.as_status().to_owned(),
        sip_status: outcome.sip_status.map(i64::from),
        sip_reason: outcome.sip_reason.clone(),
        hangup_by: outcome.hangup_by.map(|h| h.as_str().to_owned()),
        ring_ms: outcome.ring_ms.and_then(|v| i64::try_from(v).ok()),
        answer_ms: outcome.answer_ms.and_then(|v| i64::try_from(v).ok()),
        talk_ms: i64::try_from(outcome.talk_ms).unwrap_or(i64::MAX),
        codec: outcome.codec.clone(),
        loss: outcome.quality.map(|q| q.loss),
        jitter_ms: outcome.quality.map(|q| q.jitter_ms),
        mos: outcome.quality.map(|q| q.mos),
        failure_reason: outcome.failure_reason.clone(),
        ended_at: crate::store::now_ms(),
    }
}

/// Sends the webhook for a call settled by crash recovery.
pub(super) async fn notify_recovered(scheduler: &Scheduler, batch: &BatchRow, call: &CallRow) {
    let Ok(spec) = serde_json::from_str::<BatchSpec>(&batch.spec_json) else {
        return;
    };
    let Some(url) = spec.webhook_url else { return };
    let Ok(Some(user)) = scheduler.inner_store().user(&batch.user_id).await else {
        return;
    };
    let Ok(secret) = scheduler.secrets().open(&user.webhook_secret_enc) else {
        return;
    };
    scheduler.webhooks().queue(url, secret).push(event(call));
}

/// Runs one attempt to its settlement.
pub(super) async fn run(scheduler: &Scheduler, claimed: ClaimedCall, context: CallContext) {
    let call = claimed.row;
    let node = scheduler.node_id().to_owned();
    let store = scheduler.inner_store().clone();
    let webhook: Option<WebhookQueue> = match (&context.spec.webhook_url, &context.webhook_secret) {
        (Some(url), Some(secret)) => Some(scheduler.webhooks().queue(url.clone(), secret.clone())),
        _ => None,
    };
    if let Some(w) = &webhook {
        w.push(event(&call));
    }
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel::<CallProgress>();
    let job = CallJob {
        call_id: call.id.clone(),
        call_sid: call.sid.clone(),
        account_sid: context.account_sid,
        hangup_token: claimed.hangup_token,
        user_id: call.user_id.clone(),
        batch_id: call.batch_id.clone(),
        campaign_id: call.campaign_id.clone(),
        prompt_id: call.prompt_id.clone(),
        phone: call.phone.clone(),
        customer_name: call.customer_name.clone(),
        params: params(&call),
        attempt: u32::try_from(call.attempt).unwrap_or(u32::MAX),
        trunk: context.trunk,
        handler: context.spec.handler.clone(),
        max_duration: Duration::from_secs(u64::from(context.spec.max_duration_seconds)),
        progress: progress_tx,
    };
    let place = AssertUnwindSafe(scheduler.engine().place(job)).catch_unwind();
    tokio::pin!(place);
    let on_progress = |p: CallProgress| {
        let store = store.clone();
        let node = node.clone();
        let call_id = call.id.clone();
        async move {
            let record = ProgressRecord {
                status: p.state.as_status(),
                at: p.at.timestamp_millis(),
            };
            match store.record_progress(&call_id, &node, record).await {
                Ok(changed) => changed,
                Err(e) => {
                    tracing::warn!(call = %call_id, error = %e, "progress not recorded");
                    None
                }
            }
        }
    };
    let outcome = loop {
        tokio::select! {
            biased;
            Some(p) = progress_rx.recv() => {
                if let (Some(row), Some(w)) = (on_progress(p).await, &webhook) {
                    w.push(event(&row));
                }
            }
            result = &mut place => {
                break result.unwrap_or_else(|_| CallOutcome::failed("the call engine panicked"));
            }
        }
    };
    while let Ok(p) = progress_rx.try_recv() {
        if let (Some(row), Some(w)) = (on_progress(p).await, &webhook) {
            w.push(event(&row));
        }
    }
    let record = final_record(&outcome);
    let plan = retry_plan(&context.spec);
    // The slot is freed only by settlement, so it is retried until the database answers
    // (this node's own calls are never recovered by its sweep while it runs).
    let mut delay = Duration::from_millis(100);
    let mut attempt = 0u32;
    let settled = loop {
        attempt += 1;
        match store
            .settle(&call.id, Settler::Owner(&node), &record, Some(&plan))
            .await
        {
            Ok(result) => break result,
            Err(e) => {
                tracing::warn!(call = %call.id, attempt, error = %e, "settlement failed; retrying");
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2).min(Duration::from_secs(5));
            }
        }
    };
    match settled {
        Some(result) => {
            scheduler
                .metrics()
                .call_ended(&record.status, record.loss, record.jitter_ms);
            if let Some(w) = &webhook {
                w.push(event(&result.call));
            }
        }
        None => {
            tracing::warn!(call = %call.id, "call was recovered by another node (lease lost); outcome dropped")
        }
    }
    scheduler.call_finished(&call.id);
}
