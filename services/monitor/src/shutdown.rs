//! Shutdown on Ctrl-C (SIGINT) or SIGTERM.
//!
//! [`Signals::install`] registers the handlers synchronously, before the server first
//! answers: a SIGINT that arrives right after `/health` first answers must start a clean
//! shutdown, not kill the process with the default disposition.

/// Ctrl-C and SIGTERM, listened for from the moment [`Signals::install`] returns.
#[derive(Debug)]
pub struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers now. Must run inside a Tokio runtime. A handler that cannot be
    /// installed is logged and that signal keeps its default action.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(sig) => Some(sig),
                Err(err) => {
                    tracing::error!(%err, "cannot listen for {name}");
                    None
                }
            };
            Self {
                interrupt: listen(SignalKind::interrupt(), "Ctrl-C"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Completes when the process is asked to stop.
    pub async fn recv(mut self) {
        #[cfg(unix)]
        {
            async fn next(sig: Option<&mut tokio::signal::unix::Signal>) {
                match sig {
                    Some(sig) => {
                        sig.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(self.interrupt.as_mut()) => tracing::info!("Ctrl-C received, shutting down"),
                () = next(self.terminate.as_mut()) => tracing::info!("SIGTERM received, shutting down"),
            }
        }
        #[cfg(not(unix))]
        signal().await;
    }
}

/// Completes when the process is asked to stop. If a signal handler cannot be installed the
/// failure is logged and that signal is ignored, rather than stopping the service at once.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
