//! Why `trunkline demo` could not run its batch.

use std::time::Duration;

use crate::api::client::ClientError;
use crate::api::server::ServeError;
use crate::echo_bot::EchoBotError;
use crate::engine::EngineError;
use crate::sim::SimError;

/// A step of the demo that failed (a batch that ran but differs from the
/// prediction is not an error: see `DemoReport::mismatches`).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A setting that cannot work.
    #[error("--{flag}: {problem}")]
    Setting {
        /// The flag (or `DemoConfig` field) at fault.
        flag: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The temporary directory for the SQLite database could not be made.
    #[error("cannot create a temporary directory for the demo database: {0}")]
    TempDir(std::io::Error),
    /// The trunk simulator did not start.
    #[error("trunk simulator: {0}")]
    Sim(#[from] SimError),
    /// The echo bot did not start.
    #[error("echo bot: {0}")]
    Bot(#[from] EchoBotError),
    /// The call engine did not start.
    #[error("call engine: {0}")]
    Engine(#[from] EngineError),
    /// No loopback TCP port for the HTTP API.
    #[error("cannot listen for the HTTP API on 127.0.0.1: {0}")]
    HttpBind(std::io::Error),
    /// The service (database, scheduler, HTTP) failed.
    #[error("service: {0}")]
    Service(#[from] ServeError),
    /// The service task ended abnormally (it panicked or was cancelled).
    #[error("the service task ended abnormally: {0}")]
    ServiceTask(String),
    /// An API request was refused or could not be made.
    #[error("{step}: {source}")]
    Api {
        /// What the demo was doing.
        step: &'static str,
        /// The client's error.
        source: ClientError,
    },
    /// The demo user's trunk did not register with the simulator.
    #[error("the demo trunk did not register with the simulator: {0}")]
    Registration(String),
    /// The API refused some of the demo's contacts.
    #[error("the API queued {accepted} of {total} contacts: {first_reason}")]
    ContactsRefused {
        /// Contacts queued.
        accepted: i64,
        /// Contacts sent.
        total: usize,
        /// Why the first refused one was refused.
        first_reason: String,
    },
    /// The batch did not finish in time.
    #[error(
        "the batch did not finish within {} s ({done} of {total} contacts done); \
         the machine may be overloaded: try --concurrency 5", .limit.as_secs()
    )]
    Timeout {
        /// How long the demo waited.
        limit: Duration,
        /// Contacts done by then.
        done: i64,
        /// Contacts in the batch.
        total: usize,
    },
}

impl DemoError {
    /// A closure turning a client error into [`DemoError::Api`] for `step`.
    pub(super) fn api(step: &'static str) -> impl FnOnce(ClientError) -> DemoError {
        move |source| DemoError::Api { step, source }
    }
}
