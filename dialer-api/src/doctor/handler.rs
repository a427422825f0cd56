//! The AI handler: connect as a call would (TCP, TLS, WebSocket upgrade;
//! twilio's `connected`, pcm's metadata frame) and see that the handler
//! keeps the connection open.

use std::collections::BTreeMap;
use std::time::Duration;

use super::check::Check;
use crate::config::{HandlerConfig, HandlerProtocol};
use crate::handler::{
    self, CallMetadata, ConnectError, ConnectOptions, FinishReason, HandlerEvent,
};

const NAME: &str = "handler";

/// Connects to `handler`, sends what a call sends first, and waits `hold`
/// for the handler to hang up. `from` and `to` fill the pcm metadata.
pub(crate) async fn handler_check(
    handler: Option<&HandlerConfig>,
    from: &str,
    to: &str,
    connect_timeout: Duration,
    hold: Duration,
) -> Check {
    let Some(handler) = handler else {
        return Check::skip(
            NAME,
            "no [handler] in the configuration (batches name their handler through the API)",
        );
    };
    let options = ConnectOptions {
        connect_timeout,
        close_timeout: Duration::from_secs(1),
        ..ConnectOptions::default()
    };
    let protocol = handler.protocol();
    let url = handler.url();
    let (bridge, mut events) = match handler::connect(handler, &options).await {
        Ok(b) => b,
        Err(e) => {
            let advice = connect_advice(&e);
            return Check::fail(NAME, e.to_string(), advice);
        }
    };
    let step = match protocol {
        HandlerProtocol::Twilio => "WebSocket upgraded and `connected` sent",
        HandlerProtocol::Pcm => {
            let mut call = CallMetadata::new(uuid::Uuid::new_v4(), from, to);
            call.params = BTreeMap::from([("trunkline_doctor".to_owned(), "true".to_owned())]);
            if bridge.start(call).is_err() {
                bridge.finish(FinishReason::Trunkline).await;
                return Check::fail(
                    NAME,
                    format!("handler {url}: the connection ended before the metadata frame"),
                    "check the handler's log: it must speak the pcm protocol",
                );
            }
            "WebSocket upgraded and the metadata frame sent"
        }
        _ => "TCP connection open",
    };
    let hung_up = tokio::time::timeout(hold, async {
        loop {
            match events.recv().await {
                Some(HandlerEvent::HungUp(cause)) => return Some(cause.to_string()),
                None => return Some("the connection ended".to_owned()),
                Some(_) => {}
            }
        }
    })
    .await
    .ok()
    .flatten();
    bridge.finish(FinishReason::Trunkline).await;
    match hung_up {
        None => Check::pass(
            NAME,
            format!(
                "{url} ({protocol}): {step}, still open after {} s",
                hold.as_secs_f64()
            ),
        ),
        Some(cause) => Check::fail(
            NAME,
            format!("{url} ({protocol}): {step}, then {cause}"),
            format!("check the handler's log: it must speak the {protocol} protocol"),
        ),
    }
}

fn connect_advice(error: &ConnectError) -> &'static str {
    match error {
        ConnectError::Refused { .. } => "start your handler or fix [handler] url",
        ConnectError::Resolve { .. } => "check the host name in [handler] url",
        ConnectError::Timeout { .. } => {
            "check the handler's host and port and any firewall in between"
        }
        ConnectError::UpgradeRefused { .. } => {
            "check the path in [handler] url: the server there answers HTTP but does not take a \
             WebSocket"
        }
        ConnectError::Tls { .. } => {
            "check the handler's certificate, or use ws:// for a handler without TLS"
        }
        _ => "check [handler] url and protocol",
    }
}
