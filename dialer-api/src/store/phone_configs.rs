//! Each user's own trunk configuration (the password sealed, the rest as JSON).

use super::{Store, StoreError};
use sqlx::{Any, Row};

/// A stored phone configuration.
#[derive(Debug, Clone)]
pub struct PhoneConfigRow {
    /// Owner.
    pub user_id: String,
    /// The configuration without its password, as JSON.
    pub config_json: String,
    /// The sealed trunk password.
    pub password_enc: String,
    /// Last change (ms).
    pub updated_at: i64,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<PhoneConfigRow, StoreError> {
    Ok(PhoneConfigRow {
        user_id: row.try_get("user_id")?,
        config_json: row.try_get("config")?,
        password_enc: row.try_get("password_enc")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Inserts or replaces a user's phone configuration.
    pub async fn save_phone_config(&self, row: &PhoneConfigRow) -> Result<(), StoreError> {
        sqlx::query::<Any>(
            "INSERT INTO phone_configs (user_id, config, password_enc, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET config = excluded.config, \
             password_enc = excluded.password_enc, updated_at = excluded.updated_at",
        )
        .bind(&row.user_id)
        .bind(&row.config_json)
        .bind(&row.password_enc)
        .bind(row.updated_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A user's phone configuration, if saved.
    pub async fn phone_config(&self, user_id: &str) -> Result<Option<PhoneConfigRow>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT user_id, config, password_enc, updated_at FROM phone_configs WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every saved phone configuration (to register all trunks at start).
    pub async fn all_phone_configs(&self) -> Result<Vec<PhoneConfigRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT user_id, config, password_enc, updated_at FROM phone_configs ORDER BY user_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }
}
