//! Logging of the commands: to stderr (stdout carries their output), the
//! level from `RUST_LOG`.

/// Logs to stderr; `RUST_LOG` picks the level, `default` when it is unset.
pub(crate) fn init_logging(default: &str) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .try_init();
}
