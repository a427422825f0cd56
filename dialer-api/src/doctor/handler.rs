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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;
    use futures_util::StreamExt;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    const HOLD: Duration = Duration::from_millis(300);

    async fn check(url: &str, protocol: HandlerProtocol) -> Check {
        let handler = HandlerConfig::new(url, protocol, None).unwrap();
        handler_check(
            Some(&handler),
            "+60123456789",
            "+60198765432",
            Duration::from_secs(2),
            HOLD,
        )
        .await
    }

    #[tokio::test]
    async fn an_audiosocket_handler_that_stays_open_passes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let _ = stream.read_to_end(&mut buf).await;
        });
        let c = check(&format!("tcp://{addr}"), HandlerProtocol::AudioSocket).await;
        assert_eq!(c.status, Status::Pass, "{c}");
        assert!(
            c.detail
                .contains("TCP connection open, still open after 0.3 s"),
            "{c}"
        );
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_handler_that_hangs_up_at_once_fails() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            drop(stream);
        });
        let c = check(&format!("tcp://{addr}"), HandlerProtocol::AudioSocket).await;
        assert_eq!(c.status, Status::Fail, "{c}");
        assert!(c.detail.contains("then handler hung up"), "{c}");
        assert!(c.advice.unwrap().contains("audiosocket protocol"));
    }

    #[tokio::test]
    async fn a_pcm_handler_gets_the_metadata_frame() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
            let first = ws.next().await.unwrap().unwrap();
            while let Some(Ok(_)) = ws.next().await {}
            first.into_text().unwrap().to_string()
        });
        let c = check(&format!("ws://{addr}/pcm"), HandlerProtocol::Pcm).await;
        assert_eq!(c.status, Status::Pass, "{c}");
        assert!(c.detail.contains("metadata frame sent"), "{c}");
        let metadata: serde_json::Value = serde_json::from_str(&server.await.unwrap()).unwrap();
        let text = metadata.to_string();
        assert!(text.contains("trunkline_doctor"), "{text}");
        assert!(text.contains("+60198765432"), "{text}");
    }

    #[tokio::test]
    async fn a_missing_handler_is_skipped_and_a_non_websocket_server_fails() {
        let skip = handler_check(None, "", "", Duration::from_secs(1), HOLD).await;
        assert_eq!(skip.status, Status::Skip);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let c = check(&format!("ws://{addr}/wrong"), HandlerProtocol::Twilio).await;
        assert_eq!(c.status, Status::Fail, "{c}");
        assert!(
            c.detail.contains("refused the WebSocket upgrade: 404"),
            "{c}"
        );
        assert!(c.advice.unwrap().contains("check the path"));
    }
}
