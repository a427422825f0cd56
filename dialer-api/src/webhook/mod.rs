//! Call state webhooks: a JSON POST per state change, signed with HMAC-SHA256 of the body under
//! the user's webhook secret (`X-Trunkline-Signature: sha256=<hex>`), delivered in order per call
//! and retried with exponential back-off.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-trunkline-signature";

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Attempts per event before it is dropped (logged).
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_retry: Duration,
    /// Timeout of one POST.
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            first_retry: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `sha256=<hex>` of HMAC-SHA256(`secret`, `body`).
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends webhooks; cheap to clone.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    settings: WebhookSettings,
}

/// An ordered stream of events for one call; dropping it lets the queue drain and end.
#[derive(Debug)]
pub struct WebhookQueue {
    tx: mpsc::UnboundedSender<serde_json::Value>,
}

impl WebhookQueue {
    /// Queues an event.
    pub fn push(&self, event: serde_json::Value) {
        if self.tx.send(event).is_err() {
            tracing::warn!("webhook queue closed; event dropped");
        }
    }
}

impl WebhookSender {
    /// A sender with these settings.
    pub fn new(settings: WebhookSettings) -> Self {
        let builder = Self::builder(&settings);
        Self::build(builder, settings)
    }

    /// A sender whose host names are resolved by `resolver` (the service passes one that drops
    /// internal addresses, so a name cannot be re-pointed at them after the submit-time check).
    pub fn with_resolver<R: reqwest::dns::Resolve + 'static>(
        settings: WebhookSettings,
        resolver: Arc<R>,
    ) -> Self {
        let builder = Self::builder(&settings).dns_resolver(resolver);
        Self::build(builder, settings)
    }

    fn builder(settings: &WebhookSettings) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
    }

    fn build(builder: reqwest::ClientBuilder, settings: WebhookSettings) -> Self {
        let client = builder.build().unwrap_or_default();
        Self { client, settings }
    }

    /// Starts an ordered delivery queue to `url`, signing with `secret`.
    pub fn queue(&self, url: String, secret: String) -> WebhookQueue {
        let (tx, mut rx) = mpsc::unbounded_channel::<serde_json::Value>();
        let sender = self.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                sender.deliver(&url, &secret, &event).await;
            }
        });
        WebhookQueue { tx }
    }

    /// Delivers one event, retrying with back-off; returns whether it was accepted (2xx).
    pub async fn deliver(&self, url: &str, secret: &str, event: &serde_json::Value) -> bool {
        let body = event.to_string().into_bytes();
        let signature = sign(secret, &body);
        let mut delay = self.settings.first_retry;
        for attempt in 1..=self.settings.max_attempts {
            let result = self
                .client
                .post(url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(resp) if resp.status().is_success() => return true,
                Ok(resp) => tracing::warn!(
                    url,
                    attempt,
                    status = resp.status().as_u16(),
                    "webhook refused"
                ),
                Err(e) => tracing::warn!(url, attempt, error = %e, "webhook not delivered"),
            }
            if attempt < self.settings.max_attempts {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
        tracing::error!(url, "webhook dropped after all attempts");
        false
    }
}

#[cfg(test)]
mod tests {
    use super::sign;

    #[test]
    fn signature_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
