//! Waiting for Ctrl-C or SIGTERM, for the long-running commands (`serve`,
//! `call`, `register`, `sim-trunk`, `echo-bot`).
//!
//! [`StopSignal::listen`] installs the handlers at once, so a signal that
//! arrives before anything waits for it (during registration, say) is kept
//! instead of killing the process.

/// Ctrl-C and SIGTERM, listened for from creation.
pub(crate) struct StopSignal {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    /// Starts listening; must run inside the tokio runtime.
    pub(crate) fn listen() -> StopSignal {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let install = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for {name}");
                    None
                }
            };
            StopSignal {
                interrupt: install(SignalKind::interrupt(), "Ctrl-C"),
                terminate: install(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        StopSignal {}
    }

    /// Resolves on the next Ctrl-C or SIGTERM (never, if neither can be listened for).
    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let interrupt = async {
                match &mut self.interrupt {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let terminate = async {
                match &mut self.terminate {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = interrupt => {}
                () = terminate => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, listening from the first poll (for
/// commands with nothing to do before they wait).
pub(crate) async fn stop_signal() {
    StopSignal::listen().recv().await;
}
