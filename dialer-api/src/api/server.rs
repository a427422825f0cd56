//! `trunkline serve`: the database, the scheduler over the call engine, and the HTTP listener
//! in one process, with a graceful stop.

use super::metrics::Metrics;
use super::{ApiPolicy, AppState, router};
use crate::scheduler::model::PhoneConfig;
use crate::scheduler::{CallEngine, Scheduler, SchedulerSettings, TrunkSettings};
use crate::store::secrets::SecretBox;
use crate::store::{Store, StoreError};
use crate::webhook::{WebhookSender, WebhookSettings};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything `serve` needs from the configuration.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// HTTP listen address (`[http] bind`).
    pub bind: SocketAddr,
    /// `sqlite://FILE` or `postgres://...` (`[storage] url`).
    pub storage_url: String,
    /// Admin bearer token (`[auth] admin_token`); admin routes are off without it.
    pub admin_token: Option<String>,
    /// Seals trunk passwords (`[security] secret_key`).
    pub secrets: SecretBox,
    /// API limits (`[security] allow_private_handlers` and defaults).
    pub policy: ApiPolicy,
    /// Scheduler timing and node id.
    pub scheduler: SchedulerSettings,
    /// Webhook delivery.
    pub webhooks: WebhookSettings,
    /// How long a stop waits for calls in flight to end.
    pub shutdown_grace: Duration,
}

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP address could not be bound.
    #[error("http.bind: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP server failed.
    #[error("http server failed: {0}")]
    Serve(std::io::Error),
}

/// Hands every stored trunk to the engine so it registers them.
pub async fn apply_stored_trunks(
    store: &Store,
    secrets: &SecretBox,
    engine: &dyn CallEngine,
) -> Result<usize, StoreError> {
    let mut applied = 0;
    for row in store.all_phone_configs().await? {
        let config: PhoneConfig = match serde_json::from_str(&row.config_json) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(user = %row.user_id, error = %e, "stored phone config unreadable; not registered");
                continue;
            }
        };
        match secrets.open(&row.password_enc) {
            Ok(password) => {
                engine.apply_trunk(
                    &row.user_id,
                    TrunkSettings::from_config(&row.user_id, &config, password),
                );
                applied += 1;
            }
            Err(e) => tracing::error!(user = %row.user_id, error = %e, "trunk not registered"),
        }
    }
    Ok(applied)
}

/// Runs the service until `stop` resolves. Without an engine the API works (users, configs,
/// batches are stored) but nothing is dialed.
pub async fn serve(
    settings: ServiceSettings,
    engine: Option<Arc<dyn CallEngine>>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: settings.bind,
            source,
        })?;
    serve_on(listener, settings, engine, stop).await
}

/// The webhook sender: unless private addresses are allowed, its DNS look-ups drop internal
/// addresses at delivery time too (a name checked at submit may resolve elsewhere later).
fn webhook_sender(settings: &ServiceSettings) -> WebhookSender {
    if settings.policy.allow_private_handlers {
        WebhookSender::new(settings.webhooks.clone())
    } else {
        WebhookSender::with_resolver(
            settings.webhooks.clone(),
            Arc::new(super::validate::PublicOnlyResolver),
        )
    }
}

/// [`serve`] on a listener the caller bound (e.g. on port 0, to learn the port first);
/// `settings.bind` is not used.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    settings: ServiceSettings,
    engine: Option<Arc<dyn CallEngine>>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let secrets = settings.secrets.clone();
    let store = Store::open(&settings.storage_url).await?;
    tracing::info!(backend = ?store.backend(), url = %crate::store::redact_url(&settings.storage_url), "database ready");
    let metrics = Arc::new(Metrics::default());
    let scheduler = match &engine {
        Some(engine) => {
            let applied = apply_stored_trunks(&store, &secrets, engine.as_ref()).await?;
            tracing::info!(trunks = applied, "trunks handed to the call engine");
            let scheduler = Scheduler::new(
                store.clone(),
                Arc::clone(engine),
                secrets.clone(),
                webhook_sender(&settings),
                Arc::clone(&metrics),
                settings.scheduler.clone(),
            );
            let recovered = scheduler.start().await?;
            tracing::info!(node = scheduler.node_id(), recovered, "scheduler running");
            Some(scheduler)
        }
        None => {
            tracing::warn!("no call engine in this build: batches are queued but not dialed");
            None
        }
    };
    let state = AppState::new(
        store.clone(),
        secrets,
        settings.admin_token.as_deref(),
        engine,
        scheduler.clone(),
        metrics,
        settings.policy.clone(),
    );
    let addr = listener.local_addr().map_err(ServeError::Serve)?;
    tracing::info!(%addr, "http listening");
    let result = axum::serve(listener, router(state))
        .with_graceful_shutdown(stop)
        .await
        .map_err(ServeError::Serve);
    if let Some(scheduler) = scheduler {
        scheduler.shutdown(settings.shutdown_grace).await;
    }
    store.close().await;
    result
}
