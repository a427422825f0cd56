//! The call log, which is also the queue: one row per attempt. Claiming (with leases), progress,
//! settlement (credits and retries), lease renewal and crash recovery.

use super::users::apply_balance_change;
use super::{Cursor, Store, StoreError, batches::complete_if_done, secrets};
use sqlx::{Any, Row, Transaction};

/// `hangup_requested` value: Trunkline asked (batch canceled).
pub const HANGUP_BY_TRUNKLINE: i64 = 1;
/// `hangup_requested` value: the handler asked (Twilio hang-up route).
pub const HANGUP_BY_HANDLER: i64 = 2;

/// Statuses of a call that is being placed (holding a slot and a reservation).
pub const IN_FLIGHT: &str = "('dialing', 'ringing', 'in_progress')";

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// Call id.
    pub id: String,
    /// Twilio-style call SID.
    pub sid: String,
    /// Owner.
    pub user_id: String,
    /// Batch.
    pub batch_id: String,
    /// Contact position in the batch request.
    pub contact_index: i64,
    /// Attempt number, from 1.
    pub attempt: i64,
    /// Whether this is the contact's latest attempt.
    pub is_latest: bool,
    /// E.164 number dialed.
    pub phone: String,
    /// Name given to the handler.
    pub customer_name: String,
    /// Per-contact parameters (JSON object of strings).
    pub params_json: String,
    /// Campaign id.
    pub campaign_id: String,
    /// Prompt id.
    pub prompt_id: String,
    /// `queued`, `dialing`, `ringing`, `in_progress`, `completed`, `busy`, `no_answer`, `failed`, `canceled`.
    pub status: String,
    /// Not dialed before this time (ms).
    pub due_at: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Node holding the lease while in flight.
    pub lease_owner: Option<String>,
    /// Lease expiry (ms).
    pub lease_until: Option<i64>,
    /// Last lease renewal (ms).
    pub heartbeat_at: Option<i64>,
    /// A hang-up was asked for (cancel or the handler's request).
    pub hangup_requested: bool,
    /// Credits reserved before dialing (micro-credits).
    pub reserved: i64,
    /// Rate per minute at dial time (micro-credits).
    pub rate_per_minute: i64,
    /// Billing increment at dial time (s).
    pub increment_seconds: i64,
    /// Reservation settled.
    pub settled: bool,
    /// Final cost (micro-credits).
    pub cost: i64,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Claimed for dialing (ms); the start of the `dialing` state and of the calls-per-second
    /// window.
    pub dialing_at: Option<i64>,
    /// When the engine reported the INVITE sent (ms); `None` while claimed but not yet dialed.
    pub invite_sent_at: Option<i64>,
    /// Timeline (ms).
    pub ringing_at: Option<i64>,
    /// Timeline (ms).
    pub answered_at: Option<i64>,
    /// Timeline (ms).
    pub ended_at: Option<i64>,
    /// Final SIP status.
    pub sip_status: Option<i64>,
    /// Final SIP reason phrase.
    pub sip_reason: Option<String>,
    /// `callee`, `handler` or `trunkline`.
    pub hangup_by: Option<String>,
    /// Negotiated codec.
    pub codec: Option<String>,
    /// RTP loss fraction 0..1.
    pub loss: Option<f64>,
    /// RTP jitter (ms).
    pub jitter_ms: Option<f64>,
    /// Estimated MOS.
    pub mos: Option<f64>,
    /// INVITE to first ringing (ms).
    pub ring_ms: Option<i64>,
    /// INVITE to answer (ms).
    pub answer_ms: Option<i64>,
    /// Answer to hang-up (ms).
    pub talk_ms: Option<i64>,
    /// Why the call failed.
    pub failure_reason: Option<String>,
}

const CALL_COLUMNS: &str = "id, sid, user_id, batch_id, contact_index, attempt, is_latest, phone, customer_name, \
    params, campaign_id, prompt_id, status, due_at, created_at, lease_owner, lease_until, heartbeat_at, \
    hangup_requested, reserved, rate_per_minute, increment_seconds, settled, cost, billable_seconds, \
    dialing_at, invite_sent_at, ringing_at, answered_at, ended_at, sip_status, sip_reason, hangup_by, codec, loss, jitter_ms, \
    mos, ring_ms, answer_ms, talk_ms, failure_reason";

fn from_row(row: &sqlx::any::AnyRow) -> Result<CallRow, StoreError> {
    Ok(CallRow {
        id: row.try_get("id")?,
        sid: row.try_get("sid")?,
        user_id: row.try_get("user_id")?,
        batch_id: row.try_get("batch_id")?,
        contact_index: row.try_get("contact_index")?,
        attempt: row.try_get("attempt")?,
        is_latest: row.try_get::<i64, _>("is_latest")? != 0,
        phone: row.try_get("phone")?,
        customer_name: row.try_get("customer_name")?,
        params_json: row.try_get("params")?,
        campaign_id: row.try_get("campaign_id")?,
        prompt_id: row.try_get("prompt_id")?,
        status: row.try_get("status")?,
        due_at: row.try_get("due_at")?,
        created_at: row.try_get("created_at")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        heartbeat_at: row.try_get("heartbeat_at")?,
        hangup_requested: row.try_get::<i64, _>("hangup_requested")? != 0,
        reserved: row.try_get("reserved")?,
        rate_per_minute: row.try_get("rate_per_minute")?,
        increment_seconds: row.try_get("increment_seconds")?,
        settled: row.try_get::<i64, _>("settled")? != 0,
        cost: row.try_get("cost")?,
        billable_seconds: row.try_get("billable_seconds")?,
        dialing_at: row.try_get("dialing_at")?,
        invite_sent_at: row.try_get("invite_sent_at")?,
        ringing_at: row.try_get("ringing_at")?,
        answered_at: row.try_get("answered_at")?,
        ended_at: row.try_get("ended_at")?,
        sip_status: row.try_get("sip_status")?,
        sip_reason: row.try_get("sip_reason")?,
        hangup_by: row.try_get("hangup_by")?,
        codec: row.try_get("codec")?,
        loss: row.try_get("loss")?,
        jitter_ms: row.try_get("jitter_ms")?,
        mos: row.try_get("mos")?,
        ring_ms: row.try_get("ring_ms")?,
        answer_ms: row.try_get("answer_ms")?,
        talk_ms: row.try_get("talk_ms")?,
        failure_reason: row.try_get("failure_reason")?,
    })
}

/// Filters for the call log.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Only this batch.
    pub batch_id: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Start after this position.
    pub after: Option<Cursor>,
}

/// What the scheduler may claim for one user in one pass.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    /// The user.
    pub user_id: String,
    /// Batches whose calling window is open now, with each one's reservation per call.
    pub batches: Vec<(String, i64)>,
    /// Calls allowed in flight at once for this user's trunk.
    pub max_concurrent: i64,
    /// Calls allowed to start in any one second.
    pub max_per_second: i64,
    /// Rate per minute copied to each claimed call.
    pub rate_per_minute: i64,
    /// Billing increment copied to each claimed call.
    pub increment_seconds: i64,
    /// This node's id.
    pub node: String,
    /// Lease length (ms).
    pub lease_ms: i64,
    /// Attempts this node still runs (a lease it lost, released back to the queue): never
    /// claimed again by it until their old task has ended.
    pub skip: Vec<String>,
}

/// A claimed attempt, ready to dial.
#[derive(Debug, Clone)]
pub struct ClaimedCall {
    /// The call as stored after the claim.
    pub row: CallRow,
    /// The per-call token the handler uses to hang up (only its digest is stored).
    pub hangup_token: String,
}

/// Result of one claim pass.
#[derive(Debug, Clone, Default)]
pub struct ClaimOutcome {
    /// Attempts now owned by this node, to be dialed.
    pub claimed: Vec<ClaimedCall>,
    /// Attempts failed without dialing because no credits were left.
    pub failed: Vec<CallRow>,
}

/// A progress change reported by the engine.
#[derive(Debug, Clone, Copy)]
pub struct ProgressRecord<'a> {
    /// `dialing`, `ringing` or `in_progress`.
    pub status: &'a str,
    /// When (ms).
    pub at: i64,
}

/// The final state of an attempt.
#[derive(Debug, Clone, Default)]
pub struct FinalRecord {
    /// `completed`, `busy`, `no_answer`, `failed` or `canceled`.
    pub status: String,
    /// Final SIP status.
    pub sip_status: Option<i64>,
    /// Final SIP reason phrase.
    pub sip_reason: Option<String>,
    /// Who hung up.
    pub hangup_by: Option<String>,
    /// INVITE to ringing (ms).
    pub ring_ms: Option<i64>,
    /// INVITE to answer (ms).
    pub answer_ms: Option<i64>,
    /// Talk time (ms); billed.
    pub talk_ms: i64,
    /// Codec.
    pub codec: Option<String>,
    /// RTP loss fraction.
    pub loss: Option<f64>,
    /// Jitter (ms).
    pub jitter_ms: Option<f64>,
    /// MOS.
    pub mos: Option<f64>,
    /// Failure reason.
    pub failure_reason: Option<String>,
    /// End time (ms).
    pub ended_at: i64,
}

/// Who settles an attempt, which decides when settling is allowed.
#[derive(Debug, Clone, Copy)]
pub enum Settler<'a> {
    /// The node placing the call: only while that node still holds it.
    Owner(&'a str),
    /// Crash recovery: only while the call's lease has expired by `now` (checked under the
    /// row's lock, so a lease renewed meanwhile is left alone); any lease with `any_lease` (a
    /// single-node start, when whatever is in flight is from a previous run).
    Recovery {
        /// The time leases are compared with (ms).
        now: i64,
        /// Settle whatever the lease says.
        any_lease: bool,
    },
}

/// When to queue another attempt.
#[derive(Debug, Clone)]
pub struct RetryPlan {
    /// Final statuses that are retried.
    pub on: Vec<String>,
    /// Attempts allowed in total.
    pub max_attempts: i64,
    /// Wait before the next attempt (ms).
    pub delay_ms: i64,
}

/// Result of settling an attempt.
#[derive(Debug, Clone)]
pub struct SettleResult {
    /// The attempt after settlement.
    pub call: CallRow,
    /// The next attempt queued by the retry policy.
    pub retry: Option<CallRow>,
}

impl Store {
    /// A user's call by id (`None` for another user's call).
    pub async fn call(&self, user_id: &str, id: &str) -> Result<Option<CallRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A call by id regardless of owner.
    pub async fn call_any_owner(&self, id: &str) -> Result<Option<CallRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A call by SID with its hang-up token digest.
    pub async fn call_by_sid(
        &self,
        sid: &str,
    ) -> Result<Option<(CallRow, Option<String>)>, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT {CALL_COLUMNS}, hangup_token_hash FROM calls WHERE sid = $1"
        ))
        .bind(sid)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some((from_row(&row)?, row.try_get("hangup_token_hash")?))),
            None => Ok(None),
        }
    }

    /// A page of a user's call log, newest first.
    pub async fn calls(
        &self,
        user_id: &str,
        filter: &CallFilter,
    ) -> Result<Vec<CallRow>, StoreError> {
        let mut sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE user_id = $1");
        let mut n = 1;
        if filter.batch_id.is_some() {
            n += 1;
            sql.push_str(&format!(" AND batch_id = ${n}"));
        }
        if filter.status.is_some() {
            n += 1;
            sql.push_str(&format!(" AND status = ${n}"));
        }
        if filter.after.is_some() {
            sql.push_str(&format!(
                " AND (created_at < ${} OR (created_at = ${} AND id < ${}))",
                n + 1,
                n + 1,
                n + 2
            ));
            n += 2;
        }
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT ${}",
            n + 1
        ));
        let mut query = sqlx::query::<Any>(&sql).bind(user_id);
        if let Some(b) = &filter.batch_id {
            query = query.bind(b);
        }
        if let Some(s) = &filter.status {
            query = query.bind(s);
        }
        if let Some(c) = &filter.after {
            query = query.bind(c.created_at).bind(&c.id);
        }
        let rows = query.bind(filter.limit).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Claims the due attempts this user may dial now: locks the user (PostgreSQL), counts its
    /// calls in flight and started in the last second, then moves up to the allowed number of
    /// queued attempts to `dialing` under this node's lease, reserving credits for each. An
    /// attempt whose reservation does not fit while nothing else is in flight fails with
    /// `insufficient_credits`; otherwise it waits for credits to be released.
    pub async fn claim(&self, req: &ClaimRequest) -> Result<ClaimOutcome, StoreError> {
        let mut out = ClaimOutcome::default();
        if req.batches.is_empty() {
            return Ok(out);
        }
        let mut tx = self.begin().await?;
        let locked = sqlx::query::<Any>(&format!(
            "SELECT balance FROM users WHERE id = $1{}",
            self.for_update()
        ))
        .bind(&req.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if locked.is_none() {
            return Ok(out);
        }
        // The clock is read under the user's lock, so dial times and the one-second window are
        // those of the claim itself, whatever delayed this pass.
        let now = super::now_ms();
        let in_flight: i64 = sqlx::query::<Any>(&format!(
            "SELECT COUNT(*) AS n FROM calls WHERE user_id = $1 AND status IN {IN_FLIGHT}"
        ))
        .bind(&req.user_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let started_last_second: i64 = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n FROM calls WHERE user_id = $1 AND dialing_at > $2",
        )
        .bind(&req.user_id)
        .bind(now - 1000)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let allowed =
            (req.max_concurrent - in_flight).min(req.max_per_second - started_last_second);
        if allowed <= 0 {
            tx.commit().await?;
            return Ok(out);
        }
        let placeholders: Vec<String> = (0..req.batches.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let sql = format!(
            "SELECT id, batch_id FROM calls WHERE user_id = $1 AND status = 'queued' AND due_at <= $2 \
             AND batch_id IN ({}) ORDER BY due_at, created_at, contact_index, id LIMIT ${}{}",
            placeholders.join(", "),
            req.batches.len() + 3,
            self.skip_locked()
        );
        let mut query = sqlx::query::<Any>(&sql).bind(&req.user_id).bind(now);
        for (batch_id, _) in &req.batches {
            query = query.bind(batch_id);
        }
        let due = query.bind(allowed).fetch_all(&mut *tx).await?;
        let mut touched_batches = Vec::new();
        let mut claimed: Vec<(String, String)> = Vec::new();
        let mut failed: Vec<String> = Vec::new();
        for row in &due {
            let id: String = row.try_get("id")?;
            if req.skip.contains(&id) {
                continue;
            }
            let batch_id: String = row.try_get("batch_id")?;
            let reservation = req
                .batches
                .iter()
                .find(|(b, _)| *b == batch_id)
                .map(|(_, r)| *r)
                .unwrap_or(0);
            let reserved = apply_balance_change(
                &mut tx,
                &req.user_id,
                -reservation,
                "reserve",
                Some(&id),
                None,
                now,
            )
            .await?;
            if reserved.is_none() {
                if in_flight + claimed.len() as i64 > 0 {
                    break;
                }
                sqlx::query::<Any>(
                    "UPDATE calls SET status = 'failed', failure_reason = 'insufficient_credits', \
                     settled = 1, ended_at = $1 WHERE id = $2 AND status = 'queued'",
                )
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                if !touched_batches.contains(&batch_id) {
                    touched_batches.push(batch_id);
                }
                failed.push(id);
                continue;
            }
            let token = secrets::random_token("");
            let updated = sqlx::query::<Any>(
                "UPDATE calls SET status = 'dialing', lease_owner = $1, lease_until = $2, heartbeat_at = $3, \
                 dialing_at = $3, reserved = $4, rate_per_minute = $5, increment_seconds = $6, \
                 hangup_token_hash = $7 WHERE id = $8 AND status = 'queued'",
            )
            .bind(&req.node)
            .bind(now + req.lease_ms)
            .bind(now)
            .bind(reservation)
            .bind(req.rate_per_minute)
            .bind(req.increment_seconds)
            .bind(secrets::digest(&token))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(super::corrupt(
                    "queue",
                    format!("call {id} changed while locked"),
                ));
            }
            claimed.push((id, token));
        }
        tx.commit().await?;
        // Separately, so a claim never waits for a batch row while holding the user row.
        for batch_id in &touched_batches {
            let mut conn = self.pool().acquire().await?;
            complete_if_done(&mut conn, batch_id, now).await?;
        }
        for (id, hangup_token) in claimed {
            out.claimed.push(ClaimedCall {
                row: self.reload(&id).await?,
                hangup_token,
            });
        }
        for id in failed {
            out.failed.push(self.reload(&id).await?);
        }
        Ok(out)
    }

    async fn reload(&self, id: &str) -> Result<CallRow, StoreError> {
        self.call_any_owner(id)
            .await?
            .ok_or_else(|| super::corrupt("call", format!("{id} vanished")))
    }

    /// Records a progress state if the call is still this node's and the state moves forward.
    /// Returns the call after the change, or `None` when nothing changed.
    pub async fn record_progress(
        &self,
        call_id: &str,
        node: &str,
        progress: ProgressRecord<'_>,
    ) -> Result<Option<CallRow>, StoreError> {
        // `dialing` is the INVITE sent (the claim already set the status and `dialing_at`);
        // any later state implies it too, should its report have been lost.
        let (column, allowed_from) = match progress.status {
            "dialing" => ("invite_sent_at", "('dialing')"),
            "ringing" => ("ringing_at", "('dialing')"),
            "in_progress" => ("answered_at", "('dialing', 'ringing')"),
            _ => return Ok(None),
        };
        let sent = if column == "invite_sent_at" {
            ""
        } else {
            ", invite_sent_at = COALESCE(invite_sent_at, $2)"
        };
        let result = sqlx::query::<Any>(&format!(
            "UPDATE calls SET status = $1, {column} = COALESCE({column}, $2){sent} \
             WHERE id = $3 AND lease_owner = $4 AND status IN {allowed_from}"
        ))
        .bind(progress.status)
        .bind(progress.at)
        .bind(call_id)
        .bind(node)
        .execute(self.pool())
        .await?;
        if result.rows_affected() == 0 || progress.status == "dialing" {
            return Ok(None);
        }
        Ok(Some(self.reload(call_id).await?))
    }

    /// Opens a transaction that holds the lock on the batch of `call_id` (the first lock
    /// everywhere: batch, then call, then user; claims take only the user and skip locked calls,
    /// so concurrent settlements, cancels and claims cannot deadlock), with the batch's state.
    /// `None` when no such call exists.
    async fn lock_batch_of(
        &self,
        call_id: &str,
    ) -> Result<Option<(Transaction<'static, Any>, Option<String>)>, StoreError> {
        let Some(batch_id) = sqlx::query::<Any>("SELECT batch_id FROM calls WHERE id = $1")
            .bind(call_id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get::<String, _>("batch_id"))
            .transpose()?
        else {
            return Ok(None);
        };
        let mut tx = self.begin().await?;
        let batch_state: Option<String> = sqlx::query::<Any>(&format!(
            "SELECT state FROM batches WHERE id = $1{}",
            self.for_update()
        ))
        .bind(&batch_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("state"))
        .transpose()?;
        Ok(Some((tx, batch_state)))
    }

    /// Settles an attempt exactly once: writes its final state, charges
    /// `min(cost, reservation)` and returns the rest of the reservation to the balance (one ledger
    /// row), queues a retry if the plan says so, and completes the batch when nothing is left.
    /// `by` says who settles (see [`Settler`]). Returns `None` when the call was already settled
    /// or `by` may not settle it (another node holds it, or its lease is still live).
    pub async fn settle(
        &self,
        call_id: &str,
        by: Settler<'_>,
        record: &FinalRecord,
        retry: Option<&RetryPlan>,
    ) -> Result<Option<SettleResult>, StoreError> {
        let Some((mut tx, batch_state)) = self.lock_batch_of(call_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query::<Any>(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE id = $1 AND settled = 0 AND status IN {IN_FLIGHT}{}",
            self.for_update()
        ))
        .bind(call_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let call = from_row(&row)?;
        let allowed = match by {
            Settler::Owner(node) => call.lease_owner.as_deref() == Some(node),
            Settler::Recovery { now, any_lease } => {
                any_lease || call.lease_until.is_none_or(|until| until < now)
            }
        };
        if !allowed {
            return Ok(None);
        }
        let tariff = crate::billing::Tariff {
            rate_per_minute: crate::billing::Micros(call.rate_per_minute),
            increment_seconds: u32::try_from(call.increment_seconds).unwrap_or(u32::MAX),
        };
        let billable =
            crate::billing::Tariff::billable_seconds(u64::try_from(record.talk_ms).unwrap_or(0));
        let cost = tariff.cost(billable).0.min(call.reserved);
        sqlx::query::<Any>(
            "UPDATE calls SET status = $1, settled = 1, lease_owner = NULL, lease_until = NULL, \
             cost = $2, billable_seconds = $3, ended_at = $4, sip_status = $5, sip_reason = $6, \
             hangup_by = $7, codec = $8, loss = $9, jitter_ms = $10, mos = $11, ring_ms = $12, \
             answer_ms = $13, talk_ms = $14, failure_reason = $15 WHERE id = $16",
        )
        .bind(&record.status)
        .bind(cost)
        .bind(i64::try_from(billable).unwrap_or(i64::MAX))
        .bind(record.ended_at)
        .bind(record.sip_status)
        .bind(record.sip_reason.clone())
        .bind(record.hangup_by.clone())
        .bind(record.codec.clone())
        .bind(record.loss)
        .bind(record.jitter_ms)
        .bind(record.mos)
        .bind(record.ring_ms)
        .bind(record.answer_ms)
        .bind(record.talk_ms)
        .bind(record.failure_reason.clone())
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
        let refund = call.reserved - cost;
        let note = format!("call cost {cost}");
        let applied = apply_balance_change(
            &mut tx,
            &call.user_id,
            refund,
            "settle",
            Some(call_id),
            Some(&note),
            record.ended_at,
        )
        .await?;
        if applied.is_none() {
            return Err(super::corrupt(
                "balance",
                format!("settling call {call_id} failed"),
            ));
        }
        let mut retry_id = None;
        if let Some(plan) = retry {
            let batch_live = matches!(batch_state.as_deref(), Some("running" | "paused"));
            if batch_live
                && !call.hangup_requested
                && call.attempt < plan.max_attempts
                && plan.on.contains(&record.status)
            {
                let id = uuid::Uuid::new_v4().to_string();
                sqlx::query::<Any>("UPDATE calls SET is_latest = 0 WHERE id = $1")
                    .bind(call_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query::<Any>(
                    "INSERT INTO calls (id, sid, user_id, batch_id, contact_index, attempt, is_latest, phone, \
                     customer_name, params, campaign_id, prompt_id, status, due_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, 'queued', $12, $13)",
                )
                .bind(&id)
                .bind(secrets::random_token("CA"))
                .bind(&call.user_id)
                .bind(&call.batch_id)
                .bind(call.contact_index)
                .bind(call.attempt + 1)
                .bind(&call.phone)
                .bind(&call.customer_name)
                .bind(&call.params_json)
                .bind(&call.campaign_id)
                .bind(&call.prompt_id)
                .bind(record.ended_at + plan.delay_ms)
                .bind(record.ended_at)
                .execute(&mut *tx)
                .await?;
                retry_id = Some(id);
            }
        }
        complete_if_done(&mut tx, &call.batch_id, record.ended_at).await?;
        tx.commit().await?;
        let call = self.reload(call_id).await?;
        let retry = match retry_id {
            Some(id) => Some(self.reload(&id).await?),
            None => None,
        };
        Ok(Some(SettleResult { call, retry }))
    }

    /// Crash recovery of an attempt that was claimed but whose INVITE was never sent
    /// (`invite_sent_at` unset): its reservation is returned in full (a `settle` ledger row of
    /// cost 0) and it goes back to the queue as it was, same id and attempt, to be claimed
    /// again; in a batch no longer running or paused (or with a hang-up asked) it is `canceled`
    /// instead. Only while its lease has expired by `now` (any lease with `any_lease`: a
    /// single-node start), checked under the row's lock. Returns the call after the change, or
    /// `None` when it no longer qualifies (its node settled, dialed or renewed it meanwhile).
    pub async fn release_unsent(
        &self,
        call_id: &str,
        now: i64,
        any_lease: bool,
    ) -> Result<Option<CallRow>, StoreError> {
        let Some((mut tx, batch_state)) = self.lock_batch_of(call_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query::<Any>(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE id = $1 AND settled = 0 AND status = 'dialing' \
             AND invite_sent_at IS NULL AND ($2 = 1 OR lease_until IS NULL OR lease_until < $3){}",
            self.for_update()
        ))
        .bind(call_id)
        .bind(i64::from(any_lease))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let call = from_row(&row)?;
        let applied = apply_balance_change(
            &mut tx,
            &call.user_id,
            call.reserved,
            "settle",
            Some(call_id),
            Some("call cost 0: never dialed (interrupted before the INVITE)"),
            now,
        )
        .await?;
        if applied.is_none() {
            return Err(super::corrupt(
                "balance",
                format!("releasing call {call_id} failed"),
            ));
        }
        let live = matches!(batch_state.as_deref(), Some("running" | "paused"));
        if live && !call.hangup_requested {
            sqlx::query::<Any>(
                "UPDATE calls SET status = 'queued', lease_owner = NULL, lease_until = NULL, \
                 heartbeat_at = NULL, dialing_at = NULL, reserved = 0, hangup_token_hash = NULL \
                 WHERE id = $1",
            )
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query::<Any>(
                "UPDATE calls SET status = 'canceled', settled = 1, lease_owner = NULL, \
                 lease_until = NULL, reserved = 0, ended_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
            complete_if_done(&mut tx, &call.batch_id, now).await?;
        }
        tx.commit().await?;
        Ok(Some(self.reload(call_id).await?))
    }

    /// Extends this node's leases that have not expired by `now` on its calls in flight, and
    /// returns those calls' ids. An expired lease is never renewed: another node may already
    /// have recovered the call, so the caller must treat a call of its own missing from the
    /// list as lost (hang it up, do not settle it).
    pub async fn renew_leases(
        &self,
        node: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query::<Any>(&format!(
            "UPDATE calls SET lease_until = $1, heartbeat_at = $2 WHERE lease_owner = $3 \
             AND status IN {IN_FLIGHT} AND settled = 0 AND lease_until >= $2 RETURNING id"
        ))
        .bind(now + lease_ms)
        .bind(now)
        .bind(node)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// This node's calls in flight for which a hang-up was requested, with who asked
    /// ([`HANGUP_BY_TRUNKLINE`] or [`HANGUP_BY_HANDLER`]).
    pub async fn hangups_requested(&self, node: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query::<Any>(&format!(
            "SELECT id, hangup_requested FROM calls WHERE lease_owner = $1 AND hangup_requested <> 0 \
             AND status IN {IN_FLIGHT}"
        ))
        .bind(node)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("hangup_requested")?)))
            .collect()
    }

    /// Asks for a call in flight to be hung up by whichever node holds it (`by`: who asked).
    /// Returns whether the call was in flight.
    pub async fn request_hangup(&self, call_id: &str, by: i64) -> Result<bool, StoreError> {
        let result = sqlx::query::<Any>(&format!(
            "UPDATE calls SET hangup_requested = $1 WHERE id = $2 AND status IN {IN_FLIGHT}"
        ))
        .bind(by)
        .bind(call_id)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Calls in flight whose lease expired before `now` (their node is gone), never those of
    /// `own_node` (this process still runs them); with `all` set, every call in flight (a
    /// single-node SQLite store at start, before this process placed any).
    pub async fn orphaned_calls(
        &self,
        now: i64,
        own_node: &str,
        all: bool,
    ) -> Result<Vec<CallRow>, StoreError> {
        let rows = sqlx::query::<Any>(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE status IN {IN_FLIGHT} AND settled = 0 \
             AND ($1 = 1 OR ((lease_until IS NULL OR lease_until < $2) \
             AND (lease_owner IS NULL OR lease_owner <> $3)))"
        ))
        .bind(i64::from(all))
        .bind(now)
        .bind(own_node)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Number of queued attempts (all users).
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        let row = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM calls WHERE status = 'queued'")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Number of calls in flight (all users and nodes).
    pub async fn calls_in_flight(&self) -> Result<i64, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT COUNT(*) AS n FROM calls WHERE status IN {IN_FLIGHT}"
        ))
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }
}
