//! Graceful shutdown: BYE (or CANCEL) every call, un-REGISTER every trunk,
//! then stop.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Inner;
use super::sip_driver::DriverCommand;
use crate::scheduler::HangupBy;

/// Hangs up every call, waits for them to end, un-registers, stops the driver.
pub(super) async fn shutdown(inner: &Inner) {
    inner.stopping.store(true, Ordering::Release);
    let grace = inner.settings.shutdown_grace;
    let ending = async {
        loop {
            let notified = inner.calls_changed.notified();
            let live: Vec<_> = match inner.calls.lock() {
                Ok(calls) => calls.values().cloned().collect(),
                Err(_) => Vec::new(),
            };
            if live.is_empty() {
                break;
            }
            for tx in &live {
                let _ = tx.send(HangupBy::Trunkline);
            }
            notified.await;
        }
    };
    if tokio::time::timeout(grace, ending).await.is_err() {
        tracing::warn!(
            grace_s = grace.as_secs(),
            "calls still ending at shutdown; stopping anyway"
        );
    }
    let (reply, done) = oneshot::channel();
    if inner
        .driver
        .send(DriverCommand::Stop { grace, reply })
        .is_ok()
    {
        let _ = tokio::time::timeout(grace + Duration::from_secs(1), done).await;
    }
    tracing::info!("call engine stopped");
}
