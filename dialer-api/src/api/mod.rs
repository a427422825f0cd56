//! The HTTP API (axum): JSON under `/v1` with `Authorization: Bearer`, the Twilio-compatible
//! hang-up route, `/health`, `/metrics` and `/openapi.json`. Every route is registered through
//! `utoipa-axum`, so the OpenAPI document and the router cannot drift apart.

mod auth;
pub mod batches;
mod body;
pub mod calls;
pub mod client;
pub mod error;
mod extract;
pub mod metrics;
mod ops;
mod phone_config;
pub mod server;
mod twilio;
mod users;
pub mod validate;

use crate::scheduler::{CallEngine, Scheduler};
use crate::store::Store;
use crate::store::secrets::SecretBox;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use error::ApiError;
use metrics::Metrics;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Limits and switches of the API.
#[derive(Debug, Clone)]
pub struct ApiPolicy {
    /// Accept handler and webhook URLs that resolve to loopback, private or link-local addresses.
    pub allow_private_handlers: bool,
    /// `max_duration_seconds` of a batch that gives none.
    pub default_max_duration_seconds: u32,
    /// Largest `max_duration_seconds` accepted.
    pub max_duration_limit_seconds: u32,
    /// Most contacts in one batch.
    pub max_contacts: usize,
}

impl Default for ApiPolicy {
    fn default() -> Self {
        Self {
            allow_private_handlers: false,
            default_max_duration_seconds: 600,
            max_duration_limit_seconds: 4 * 3600,
            max_contacts: 10_000,
        }
    }
}

/// Everything the routes share.
pub struct StateInner {
    /// The database.
    pub store: Store,
    /// Seals trunk passwords and webhook secrets.
    pub secrets: SecretBox,
    /// Digest of the admin token (`None` disables admin routes).
    pub admin_token_hash: Option<String>,
    /// The call engine (`None` in a build without one: configs are stored, nothing is dialed).
    pub engine: Option<Arc<dyn CallEngine>>,
    /// The scheduler of this node, woken on new batches and resumes.
    pub scheduler: Option<Scheduler>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Limits.
    pub policy: ApiPolicy,
    openapi: OnceLock<String>,
}

/// Shared state of the router; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl AppState {
    /// Builds the state. `admin_token` is kept only as a digest.
    pub fn new(
        store: Store,
        secrets: SecretBox,
        admin_token: Option<&str>,
        engine: Option<Arc<dyn CallEngine>>,
        scheduler: Option<Scheduler>,
        metrics: Arc<Metrics>,
        policy: ApiPolicy,
    ) -> Self {
        Self(Arc::new(StateInner {
            store,
            secrets,
            admin_token_hash: admin_token
                .filter(|t| !t.is_empty())
                .map(crate::store::secrets::digest),
            engine,
            scheduler,
            metrics,
            policy,
            openapi: OnceLock::new(),
        }))
    }

    pub(crate) fn wake_scheduler(&self) {
        if let Some(s) = &self.scheduler {
            s.wake();
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trunkline",
        description = "Batch dialing service: users, trunks, batches, the call log and credits.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(twilio::hangup),
    modifiers(&SecuritySchemes),
    tags(
        (name = "users", description = "Accounts and credits"),
        (name = "phone-config", description = "The user's own SIP trunk"),
        (name = "batches", description = "Batches of calls"),
        (name = "calls", description = "The call log"),
        (name = "twilio", description = "Twilio-compatible routes for handlers"),
        (name = "operations", description = "Health, metrics, this document")
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "admin",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "call_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

async fn fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route")
}

async fn track_latency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request(&method, &route, started.elapsed().as_secs_f64());
    response
}

/// Stable code of an error response that axum or a layer produced without the API's shape.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "route_not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Puts every error response in the `{"error":{...}}` shape: the routes' extractors already
/// answer so; this catches what axum answers by itself (405) and anything else in plain text.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "this route does not accept that method".to_owned(),
        _ if text.is_empty() => status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_owned(),
        _ => text,
    };
    axum::response::IntoResponse::into_response(ApiError::new(status, code_of(status), message))
}

/// The routes and their OpenAPI document.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::create_user))
        .routes(routes!(users::top_up))
        .routes(routes!(users::me))
        .routes(routes!(users::ledger))
        .routes(routes!(
            phone_config::put_phone_config,
            phone_config::get_phone_config
        ))
        .routes(routes!(batches::create_batch, batches::list_batches))
        .routes(routes!(batches::get_batch))
        .routes(routes!(batches::cancel_batch))
        .routes(routes!(batches::pause_batch))
        .routes(routes!(batches::resume_batch))
        .routes(routes!(calls::list_calls))
        .routes(routes!(calls::get_call))
        .routes(routes!(ops::health))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::openapi_json))
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// The complete router with its state.
pub fn router(state: AppState) -> axum::Router {
    let (router, doc) = routes().split_for_parts();
    let _ = state
        .openapi
        .set(doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    router
        .route(
            "/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}",
            axum::routing::post(twilio::hangup),
        )
        .fallback(fallback)
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            track_latency,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(extract::BODY_LIMIT))
        .with_state(state)
}
