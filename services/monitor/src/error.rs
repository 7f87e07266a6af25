//! Errors that stop the monitor from starting or running.

use std::io;

/// A fatal error of the service. Recoverable problems (bad accounts, broken clients, source
/// outages) are reported through logs, metrics and the `logs` channel instead.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot record to {}", path.display())]
    Record {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("invalid configuration")]
    Settings(#[from] crate::config::ConfigError),
    #[error("snapshot failed")]
    Snapshot(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("discovery failed")]
    Discovery(#[source] crate::discovery::DiscoveryError),
    #[error("runtime failure")]
    Runtime(#[source] io::Error),
}
