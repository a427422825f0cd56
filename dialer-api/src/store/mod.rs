//! Persistent state on SQLite (one WAL file, the default) or PostgreSQL, through one portable schema.
//!
//! Every query is written once with `$N` placeholders and portable types (TEXT, BIGINT, DOUBLE
//! PRECISION); the few PostgreSQL-only clauses (`FOR UPDATE`, `SKIP LOCKED`) come from
//! [`Store::for_update`] and [`Store::skip_locked`]. On SQLite the pool holds one connection, so
//! every transaction is serialised and a single node owns the queue.

mod batches;
mod calls;
mod cursor;
mod phone_configs;
pub mod secrets;
mod users;

pub use batches::{BatchCounts, BatchRow, Idempotent, InsertBatch, NewBatch, NewContact};
pub use calls::{
    CallFilter, CallRow, ClaimOutcome, ClaimRequest, ClaimedCall, FinalRecord, HANGUP_BY_HANDLER,
    HANGUP_BY_TRUNKLINE, ProgressRecord, RetryPlan, SettleResult, Settler,
};
pub use cursor::Cursor;
pub use phone_configs::PhoneConfigRow;
pub use users::{LedgerRow, UserRow};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

/// Migrations embedded in the binary; run by [`Store::open`].
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file in WAL mode; one node.
    Sqlite,
    /// PostgreSQL; several nodes may share it.
    Postgres,
}

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL names no supported database.
    #[error("storage url '{url}' is not supported: use sqlite://FILE or postgres://...")]
    UnsupportedUrl {
        /// The URL with any password removed.
        url: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the database at '{url}': {source}")]
    Open {
        /// The URL with any password removed.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// An embedded migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value could not be decoded.
    #[error("stored {what} is corrupt: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why it could not be read.
        detail: String,
    },
}

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating the SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let (backend, url_to_open) = if url.starts_with("sqlite:") {
            let with_mode = if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, with_mode)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnsupportedUrl {
                url: redact_url(url),
            });
        };
        let options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(16),
        };
        let pool = options
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url_to_open)
            .await
            .map_err(|source| StoreError::Open {
                url: redact_url(url),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Row-lock clause appended to a `SELECT` that a transaction will update (PostgreSQL only).
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Row-lock clause that skips rows another node holds (PostgreSQL only).
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The SQLite journal mode (for checks); `None` on PostgreSQL.
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let row: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(row.0))
    }
}

/// Removes the password from a database URL so it can be shown in errors and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &rest[at + 1..])
        }
        None => url.to_owned(),
    }
}

/// Current time in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1/db"),
            "postgres://u:***@127.0.0.1/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
