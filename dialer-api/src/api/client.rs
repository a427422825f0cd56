//! A small client of the HTTP API for the `trunkline batch` and `trunkline demo` subcommands:
//! reads contacts from CSV, creates a user and its trunk, submits a batch, polls its progress
//! and reads its call log.

use super::batches::{BatchRequest, BatchView, ContactInput};
use super::calls::{CallPage, CallView};
use super::phone_config::PhoneConfigView;
use super::users::{Balance, CreatedUser};
use crate::scheduler::model::PhoneConfig;
use std::collections::BTreeMap;
use std::io::Read;

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The CSV file could not be read.
    #[error("contacts file: {0}")]
    Csv(String),
    /// The API could not be reached.
    #[error("cannot reach the API at {url}: {source}")]
    Http {
        /// The request URL.
        url: String,
        /// Why.
        source: reqwest::Error,
    },
    /// The API answered with an error.
    #[error("the API refused ({status}): {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// Error message.
        message: String,
    },
}

/// Reads contacts from CSV with a header row: `phone` (required), `customer_name` (or `name`),
/// and any other column as a handler parameter. Empty cells are left out of the parameters.
pub fn contacts_from_csv(reader: impl Read) -> Result<Vec<ContactInput>, ClientError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| ClientError::Csv(e.to_string()))?
        .clone();
    let phone_col = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("phone"))
        .ok_or_else(|| ClientError::Csv("the header row has no 'phone' column".into()))?;
    let name_col = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("customer_name") || h.eq_ignore_ascii_case("name"));
    let mut contacts = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let record = record.map_err(|e| ClientError::Csv(format!("row {}: {e}", i + 2)))?;
        let mut params = BTreeMap::new();
        for (col, value) in record.iter().enumerate() {
            if col != phone_col && Some(col) != name_col && !value.is_empty() {
                let key = headers.get(col).unwrap_or_default().to_owned();
                params.insert(key, serde_json::Value::String(value.to_owned()));
            }
        }
        contacts.push(ContactInput {
            phone: record.get(phone_col).unwrap_or_default().to_owned(),
            customer_name: name_col
                .and_then(|c| record.get(c))
                .unwrap_or_default()
                .to_owned(),
            params,
        });
    }
    if contacts.is_empty() {
        return Err(ClientError::Csv("no contact rows after the header".into()));
    }
    Ok(contacts)
}

/// Talks to one Trunkline API with one user's key.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client of the API at `base` (e.g. `http://127.0.0.1:8080`) using API key `token`.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// A request to `path` under the API, with the client's key.
    fn request(&self, method: reqwest::Method, path: &str) -> (String, reqwest::RequestBuilder) {
        let url = format!("{}{path}", self.base);
        let builder = self.http.request(method, &url).bearer_auth(&self.token);
        (url, builder)
    }

    /// Sends a request made by [`ApiClient::request`] and reads its answer:
    /// the JSON body on success, the API's error code and message otherwise.
    async fn send<T: serde::de::DeserializeOwned>(
        (url, builder): (String, reqwest::RequestBuilder),
    ) -> Result<T, ClientError> {
        let response = builder.send().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .map_err(|source| ClientError::Http { url, source });
        }
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let text = |k: &str| {
            body.pointer(&format!("/error/{k}"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        Err(ClientError::Api {
            status: status.as_u16(),
            code: text("code"),
            message: text("message"),
        })
    }

    /// Submits a batch (with an idempotency key if given).
    pub async fn submit_batch(
        &self,
        request: &BatchRequest,
        idempotency_key: Option<&str>,
    ) -> Result<BatchView, ClientError> {
        let (url, mut builder) = self.request(reqwest::Method::POST, "/v1/batches");
        builder = builder.json(request);
        if let Some(key) = idempotency_key {
            builder = builder.header("Idempotency-Key", key);
        }
        Self::send((url, builder)).await
    }

    /// Reads a batch.
    pub async fn batch(&self, id: &str) -> Result<BatchView, ClientError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/v1/batches/{id}"))).await
    }

    /// Creates a user (the client's token must be the admin token).
    pub async fn create_user(&self, name: &str) -> Result<CreatedUser, ClientError> {
        let (url, builder) = self.request(reqwest::Method::POST, "/v1/users");
        Self::send((url, builder.json(&serde_json::json!({ "name": name })))).await
    }

    /// Adds `amount` credits to user `user_id` (the client's token must be the admin token).
    pub async fn top_up(
        &self,
        user_id: &str,
        amount: f64,
        note: &str,
    ) -> Result<Balance, ClientError> {
        let path = format!("/v1/users/{user_id}/credits");
        let (url, builder) = self.request(reqwest::Method::POST, &path);
        let body = serde_json::json!({ "amount": amount, "note": note });
        Self::send((url, builder.json(&body))).await
    }

    /// Saves the user's trunk with its password (which the API never shows again).
    pub async fn put_phone_config(
        &self,
        config: &PhoneConfig,
        password: &str,
    ) -> Result<PhoneConfigView, ClientError> {
        let mut body = serde_json::to_value(config).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert("password".into(), password.into());
        }
        let (url, builder) = self.request(reqwest::Method::PUT, "/v1/phone-config");
        Self::send((url, builder.json(&body))).await
    }

    /// Reads the user's trunk and its registration state.
    pub async fn phone_config(&self) -> Result<PhoneConfigView, ClientError> {
        Self::send(self.request(reqwest::Method::GET, "/v1/phone-config")).await
    }

    /// Every attempt of a batch in the call log (all pages), newest first.
    pub async fn batch_calls(&self, batch_id: &str) -> Result<Vec<CallView>, ClientError> {
        let mut calls = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("batch_id", batch_id.to_owned()), ("limit", "500".into())];
            if let Some(c) = cursor.take() {
                query.push(("cursor", c));
            }
            let (url, builder) = self.request(reqwest::Method::GET, "/v1/calls");
            let page: CallPage = Self::send((url, builder.query(&query))).await?;
            calls.extend(page.calls);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(calls),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_contacts_with_params() {
        let csv =
            "phone,name,plan,notes\n+60123456789, Aisyah ,gold,\n+60198765432,Ben,silver,vip\n";
        let contacts = contacts_from_csv(csv.as_bytes()).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].phone, "+60123456789");
        assert_eq!(contacts[0].customer_name, "Aisyah");
        assert_eq!(contacts[0].params.len(), 1);
        assert_eq!(contacts[1].params["notes"], "vip");
    }

    #[test]
    fn csv_errors_are_clear() {
        let e = contacts_from_csv("number\n+60123456789\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("'phone'"));
        let e = contacts_from_csv("phone,name\n+6012,a,b\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
        let e = contacts_from_csv("phone\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("no contact rows"));
    }
}
