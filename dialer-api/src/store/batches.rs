//! Batches, their contacts (first attempts) and idempotency keys.

use super::{Cursor, Store, StoreError, secrets};
use sqlx::{Any, AnyConnection, Row};
use std::collections::BTreeMap;

/// A stored batch.
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// Batch id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// `running`, `paused`, `canceled` or `completed`.
    pub state: String,
    /// The accepted request (campaign, handler, schedule, retry, ...) as JSON.
    pub spec_json: String,
    /// Rejected contacts with reasons, as JSON.
    pub rejected_json: String,
    /// Contacts in the request.
    pub total_contacts: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last state change (ms).
    pub updated_at: i64,
    /// When the last call ended (ms).
    pub completed_at: Option<i64>,
}

/// A contact to queue as its first attempt.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Position in the request.
    pub index: i64,
    /// E.164 number.
    pub phone: String,
    /// Name passed to the handler.
    pub customer_name: String,
    /// Per-contact parameters as a JSON object of strings.
    pub params_json: String,
}

/// Everything needed to store an accepted batch.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// New batch id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Accepted request as JSON.
    pub spec_json: String,
    /// Rejected contacts as JSON.
    pub rejected_json: String,
    /// Contacts in the request.
    pub total_contacts: i64,
    /// Campaign id copied to each call.
    pub campaign_id: String,
    /// Prompt id copied to each call.
    pub prompt_id: String,
    /// First dial time (ms).
    pub due_at: i64,
    /// The contacts to queue.
    pub contacts: Vec<NewContact>,
    /// `(Idempotency-Key, digest of the request)`.
    pub idempotency: Option<(String, String)>,
    /// Creation time (ms).
    pub now: i64,
}

/// Outcome of [`Store::insert_batch`].
#[derive(Debug, Clone)]
pub enum InsertBatch {
    /// A new batch was stored.
    Created(BatchRow),
    /// The same request was made before with this key: its batch.
    Replayed(BatchRow),
    /// The key was used before with a different request.
    KeyReused,
}

/// An idempotency key seen before ([`Store::idempotent_batch`]).
#[derive(Debug, Clone)]
pub enum Idempotent {
    /// The same request was made before with this key: its batch.
    Replayed(BatchRow),
    /// The key was used before with a different request.
    KeyReused,
}

impl From<Idempotent> for InsertBatch {
    fn from(seen: Idempotent) -> Self {
        match seen {
            Idempotent::Replayed(row) => InsertBatch::Replayed(row),
            Idempotent::KeyReused => InsertBatch::KeyReused,
        }
    }
}

/// Per-state counts of a batch (latest attempt of each contact) and its cost so far.
#[derive(Debug, Clone, Default)]
pub struct BatchCounts {
    /// Contacts per call status.
    pub by_status: BTreeMap<String, i64>,
    /// Attempts made or queued, retries included.
    pub attempts: i64,
    /// Sum of settled costs (micro-credits).
    pub cost: i64,
}

const BATCH_COLUMNS: &str =
    "id, user_id, state, spec, rejected, total_contacts, created_at, updated_at, completed_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<BatchRow, StoreError> {
    Ok(BatchRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        state: row.try_get("state")?,
        spec_json: row.try_get("spec")?,
        rejected_json: row.try_get("rejected")?,
        total_contacts: row.try_get("total_contacts")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

/// Rows per multi-row INSERT (well under both backends' parameter limits).
const INSERT_CHUNK: usize = 200;

async fn insert_calls(conn: &mut AnyConnection, batch: &NewBatch) -> Result<(), StoreError> {
    for chunk in batch.contacts.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO calls (id, sid, user_id, batch_id, contact_index, attempt, is_latest, phone, \
             customer_name, params, campaign_id, prompt_id, status, due_at, created_at) VALUES ",
        );
        const COLS: usize = 12;
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * COLS;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, 1, 1, ${}, ${}, ${}, ${}, ${}, 'queued', ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11,
                b + 12
            ));
        }
        let mut query = sqlx::query::<Any>(&sql);
        for contact in chunk {
            query = query
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(secrets::random_token("CA"))
                .bind(&batch.user_id)
                .bind(&batch.id)
                .bind(contact.index)
                .bind(&contact.phone)
                .bind(&contact.customer_name)
                .bind(&contact.params_json)
                .bind(&batch.campaign_id)
                .bind(&batch.prompt_id)
                .bind(batch.due_at)
                .bind(batch.now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Stores a batch and queues its contacts, honouring the idempotency key.
    pub async fn insert_batch(&self, batch: &NewBatch) -> Result<InsertBatch, StoreError> {
        if let Some((key, hash)) = &batch.idempotency {
            if let Some(seen) = self.idempotent_batch(&batch.user_id, key, hash).await? {
                return Ok(seen.into());
            }
        }
        let mut tx = self.begin().await?;
        if let Some((key, hash)) = &batch.idempotency {
            let inserted = sqlx::query::<Any>(
                "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, batch_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, idem_key) DO NOTHING",
            )
            .bind(&batch.user_id)
            .bind(key)
            .bind(hash)
            .bind(&batch.id)
            .bind(batch.now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(self
                    .idempotent_batch(&batch.user_id, key, hash)
                    .await?
                    .map_or(InsertBatch::KeyReused, InsertBatch::from));
            }
        }
        let state = if batch.contacts.is_empty() {
            "completed"
        } else {
            "running"
        };
        sqlx::query::<Any>(
            "INSERT INTO batches (id, user_id, state, spec, rejected, total_contacts, created_at, updated_at, completed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(&batch.id)
        .bind(&batch.user_id)
        .bind(state)
        .bind(&batch.spec_json)
        .bind(&batch.rejected_json)
        .bind(batch.total_contacts)
        .bind(batch.now)
        .bind(batch.contacts.is_empty().then_some(batch.now))
        .execute(&mut *tx)
        .await?;
        insert_calls(&mut tx, batch).await?;
        tx.commit().await?;
        let row = self
            .batch(&batch.user_id, &batch.id)
            .await?
            .ok_or_else(|| super::corrupt("batch", "vanished right after insert"))?;
        Ok(InsertBatch::Created(row))
    }

    /// The earlier outcome of a request made with this idempotency key, if any.
    pub async fn idempotent_batch(
        &self,
        user_id: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<Idempotent>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT request_hash, batch_id FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored_hash: String = row.try_get("request_hash")?;
        if stored_hash != hash {
            return Ok(Some(Idempotent::KeyReused));
        }
        let batch_id: String = row.try_get("batch_id")?;
        let batch = self
            .batch(user_id, &batch_id)
            .await?
            .ok_or_else(|| super::corrupt("idempotency key", "points to a missing batch"))?;
        Ok(Some(Idempotent::Replayed(batch)))
    }

    /// A user's batch by id (`None` for another user's batch).
    pub async fn batch(&self, user_id: &str, id: &str) -> Result<Option<BatchRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A batch by id regardless of owner (scheduler use).
    pub async fn batch_any_owner(&self, id: &str) -> Result<Option<BatchRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A user's batches, newest first.
    pub async fn batches(
        &self,
        user_id: &str,
        limit: i64,
        after: Option<&Cursor>,
    ) -> Result<Vec<BatchRow>, StoreError> {
        let rows = match after {
            Some(c) => {
                sqlx::query::<Any>(&format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE user_id = $1 \
                     AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
                     ORDER BY created_at DESC, id DESC LIMIT $4"
                ))
                .bind(user_id)
                .bind(c.created_at)
                .bind(&c.id)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query::<Any>(&format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE user_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                ))
                .bind(user_id)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// Batches in `state`, any owner (the scheduler reads the running ones).
    pub async fn batches_in_state(&self, state: &str) -> Result<Vec<BatchRow>, StoreError> {
        let rows = sqlx::query::<Any>(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE state = $1 ORDER BY created_at, id"
        ))
        .bind(state)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Per-status counts and cost of a batch.
    pub async fn batch_counts(&self, batch_id: &str) -> Result<BatchCounts, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT status, COUNT(*) AS n FROM calls WHERE batch_id = $1 AND is_latest = 1 GROUP BY status",
        )
        .bind(batch_id)
        .fetch_all(self.pool())
        .await?;
        let mut counts = BatchCounts::default();
        for row in &rows {
            counts
                .by_status
                .insert(row.try_get("status")?, row.try_get("n")?);
        }
        let row = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(cost), 0) AS BIGINT) AS cost FROM calls WHERE batch_id = $1",
        )
        .bind(batch_id)
        .fetch_one(self.pool())
        .await?;
        counts.attempts = row.try_get("n")?;
        counts.cost = row.try_get("cost")?;
        Ok(counts)
    }

    /// Moves a user's batch from one of `from` to `to`. Returns the batch after the change, or
    /// `Err`-free `Ok(Err(current))` when it was in another state; `Ok(Ok(None))` if not found.
    pub async fn set_batch_state(
        &self,
        user_id: &str,
        id: &str,
        from: &[&str],
        to: &str,
        now: i64,
    ) -> Result<Result<Option<BatchRow>, BatchRow>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query::<Any>(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1 AND user_id = $2{}",
            self.for_update()
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Ok(None));
        };
        let current = from_row(&row)?;
        if !from.contains(&current.state.as_str()) {
            return Ok(Err(current));
        }
        sqlx::query::<Any>("UPDATE batches SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(to)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if to == "canceled" {
            sqlx::query::<Any>(
                "UPDATE calls SET status = 'canceled', ended_at = $1, settled = 1 \
                 WHERE batch_id = $2 AND status = 'queued'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query::<Any>(
                "UPDATE calls SET hangup_requested = $1 \
                 WHERE batch_id = $2 AND status IN ('dialing', 'ringing', 'in_progress')",
            )
            .bind(super::HANGUP_BY_TRUNKLINE)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(self.batch(user_id, id).await?))
    }
}

/// Marks a running or paused batch completed when none of its calls is queued or in flight.
pub(crate) async fn complete_if_done(
    conn: &mut AnyConnection,
    batch_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "UPDATE batches SET state = 'completed', completed_at = $1, updated_at = $1 \
         WHERE id = $2 AND state IN ('running', 'paused') AND NOT EXISTS \
         (SELECT 1 FROM calls WHERE batch_id = $2 AND status IN ('queued', 'dialing', 'ringing', 'in_progress'))",
    )
    .bind(now)
    .bind(batch_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
