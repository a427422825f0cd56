//! Users, balances and the credits ledger.

use super::{Store, StoreError};
use sqlx::{Any, AnyConnection, Row};
use uuid::Uuid;

/// One user account.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Twilio-style account SID handed to handlers.
    pub account_sid: String,
    /// Sealed webhook signing key.
    pub webhook_secret_enc: String,
    /// Spendable balance in micro-credits (reservations already taken out).
    pub balance: i64,
    /// Creation time (ms).
    pub created_at: i64,
}

/// One change of a balance.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    /// Entry id.
    pub id: String,
    /// When (ms).
    pub created_at: i64,
    /// `top_up`, `reserve` or `settle`.
    pub kind: String,
    /// Signed change in micro-credits.
    pub amount: i64,
    /// Balance after the change.
    pub balance_after: i64,
    /// Call the entry belongs to, if any.
    pub call_id: Option<String>,
    /// Free text (top-ups).
    pub note: Option<String>,
}

const USER_COLUMNS: &str = "id, name, account_sid, webhook_secret_enc, balance, created_at";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        account_sid: row.try_get("account_sid")?,
        webhook_secret_enc: row.try_get("webhook_secret_enc")?,
        balance: row.try_get("balance")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Applies a signed change to a user's balance inside a transaction and writes its ledger row.
/// Returns the new balance, or `None` if the change would make the balance negative (nothing is
/// written then) or the user does not exist.
pub(crate) async fn apply_balance_change(
    conn: &mut AnyConnection,
    user_id: &str,
    amount: i64,
    kind: &str,
    call_id: Option<&str>,
    note: Option<&str>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query::<Any>(
        "UPDATE users SET balance = balance + $1 WHERE id = $2 AND balance + $1 >= 0 RETURNING balance",
    )
    .bind(amount)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let balance: i64 = row.try_get("balance")?;
    // The UPDATE above holds the user's row until commit, so its ledger rows are written one at
    // a time. Their times are kept strictly increasing, so listing by time gives the order in
    // which the balance changed even when two changes share a millisecond or come from nodes
    // whose clocks read `now` before waiting for the lock.
    let last: Option<i64> =
        sqlx::query::<Any>("SELECT MAX(created_at) AS last FROM ledger WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("last")?;
    let at = last.map_or(now, |last| now.max(last + 1));
    sqlx::query::<Any>(
        "INSERT INTO ledger (id, user_id, created_at, kind, amount, balance_after, call_id, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(at)
    .bind(kind)
    .bind(amount)
    .bind(balance)
    .bind(call_id.map(str::to_owned))
    .bind(note.map(str::to_owned))
    .execute(&mut *conn)
    .await?;
    Ok(Some(balance))
}

impl Store {
    /// Creates a user with a zero balance.
    pub async fn create_user(
        &self,
        name: &str,
        api_key_hash: &str,
        account_sid: &str,
        webhook_secret_enc: &str,
        now: i64,
    ) -> Result<UserRow, StoreError> {
        let id = Uuid::new_v4().to_string();
        sqlx::query::<Any>(
            "INSERT INTO users (id, name, api_key_hash, account_sid, webhook_secret_enc, balance, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(&id)
        .bind(name)
        .bind(api_key_hash)
        .bind(account_sid)
        .bind(webhook_secret_enc)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(UserRow {
            id,
            name: name.to_owned(),
            account_sid: account_sid.to_owned(),
            webhook_secret_enc: webhook_secret_enc.to_owned(),
            balance: 0,
            created_at: now,
        })
    }

    /// Finds the user whose API key has this digest.
    pub async fn user_by_key_hash(&self, hash: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE api_key_hash = $1"
        ))
        .bind(hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Loads a user by id.
    pub async fn user(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query::<Any>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Adds credits (positive `amount`) with a ledger row; returns the new balance, or `None`
    /// when the user does not exist.
    pub async fn top_up(
        &self,
        user_id: &str,
        amount: i64,
        note: Option<&str>,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let balance =
            apply_balance_change(&mut tx, user_id, amount, "top_up", None, note, now).await?;
        tx.commit().await?;
        Ok(balance)
    }

    /// A user's ledger, oldest first.
    pub async fn ledger(&self, user_id: &str) -> Result<Vec<LedgerRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, created_at, kind, amount, balance_after, call_id, note FROM ledger \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LedgerRow {
                    id: row.try_get("id")?,
                    created_at: row.try_get("created_at")?,
                    kind: row.try_get("kind")?,
                    amount: row.try_get("amount")?,
                    balance_after: row.try_get("balance_after")?,
                    call_id: row.try_get("call_id")?,
                    note: row.try_get("note")?,
                })
            })
            .collect()
    }

    /// Sum of a user's ledger amounts (equals the balance plus nothing else when consistent).
    pub async fn ledger_sum(&self, user_id: &str) -> Result<i64, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM ledger WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("total")?)
    }
}
