//! The HTTP API of a running `serve`, through reqwest: users, credits, phone config, batches,
//! the call log and the ledger.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::serve::ADMIN;
use super::{TRUNK_PASSWORD, TRUNK_USER};

/// A user of the service.
#[derive(Debug, Clone)]
pub struct User {
    /// User id.
    pub id: String,
    /// API key.
    pub key: String,
}

/// Client for one service base URL.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every response body seen, to search for secrets.
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Api {
    /// A client for `base`.
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            seen: Default::default(),
        }
    }

    /// The same recorder of responses, another service.
    pub fn at(&self, base: &str) -> Api {
        Api {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// Sends a JSON request with a bearer token; returns the status and body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        self.seen.lock().unwrap().push(text.clone());
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET with the user's key, expecting 200.
    pub async fn get(&self, user: &User, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, &user.key, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Creates a user with `credits`.
    pub async fn user(&self, credits: f64) -> User {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/v1/users",
                ADMIN,
                Some(&json!({"name": "e2e"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let user = User {
            id: body["id"].as_str().unwrap().to_owned(),
            key: body["api_key"].as_str().unwrap().to_owned(),
        };
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/users/{}/credits", user.id),
                ADMIN,
                Some(&json!({"amount": credits, "note": "e2e"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        user
    }

    /// Saves the user's trunk: `proxy`, 6 credits per minute in 6-second increments, the
    /// given limits, no registration (SIPp challenges every INVITE instead).
    pub async fn phone_config(&self, user: &User, proxy: &str, concurrent: u32, cps: u32) {
        let config = json!({
            "proxies": [proxy],
            "username": TRUNK_USER,
            "password": TRUNK_PASSWORD,
            "caller_id": "+60123456789",
            "display_name": "E2E",
            "codecs": ["PCMU"],
            "register": false,
            "max_concurrent_calls": concurrent,
            "max_calls_per_second": cps,
            "rate_per_minute": 6.0,
            "billing_increment_seconds": 6,
            "allowed_prefixes": ["+60"]
        });
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                "/v1/phone-config",
                &user.key,
                Some(&config),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Submits a batch; asserts every contact was accepted; returns the batch id.
    pub async fn submit(&self, user: &User, batch: &Value) -> String {
        let (status, body) = self
            .call(reqwest::Method::POST, "/v1/batches", &user.key, Some(batch))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(
            body["accepted"].as_u64(),
            batch["contacts"].as_array().map(|c| c.len() as u64),
            "{body}"
        );
        body["id"].as_str().unwrap().to_owned()
    }

    /// Polls the batch until every contact is done (or `limit` passes); returns it.
    pub async fn wait_done(&self, user: &User, batch_id: &str, limit: Duration) -> Value {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let batch = self.get(user, &format!("/v1/batches/{batch_id}")).await;
            if batch["state"] == "completed" || tokio::time::Instant::now() > until {
                return batch;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every call of the batch (every attempt), through the cursor pages.
    pub async fn calls(&self, user: &User, batch_id: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/calls?batch_id={batch_id}&limit=40");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(user, &path).await;
            all.extend(page["calls"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return all,
            }
        }
    }

    /// The user's balance in credits.
    pub async fn balance(&self, user: &User) -> f64 {
        self.get(user, "/v1/me").await["balance"].as_f64().unwrap()
    }

    /// The user's ledger entries.
    pub async fn ledger(&self, user: &User) -> Vec<Value> {
        self.get(user, "/v1/ledger").await["entries"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Every response body this client (and its copies) received.
    pub fn responses(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// A batch for `numbers` with the handler at `handler_url`.
pub fn batch(numbers: &[String], handler_url: &str, retry: Value) -> Value {
    let contacts: Vec<Value> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"phone": n, "customer_name": format!("Contact {i}")}))
        .collect();
    json!({
        "campaign_id": "e2e-campaign",
        "prompt_id": "e2e-prompt",
        "handler": {"url": handler_url, "protocol": "twilio"},
        "contacts": contacts,
        "retry": retry,
        "max_duration_seconds": 60
    })
}

/// Whole micro-credits of an amount in credits (the store's unit), for exact sums.
pub fn micros(credits: f64) -> i64 {
    (credits * 1e6).round() as i64
}
