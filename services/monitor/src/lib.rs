//! dexmon's service: it ingests Solana account updates, decodes them, keeps pool state,
//! prices pools, detects arbitrage and publishes `dexmon.v1` messages over WebSocket.
//!
//! # Flow
//! ```text
//! Source ──AccountUpdate──▶ decode ──▶ state ──▶ price ──▶ detect ──▶ publish ──▶ /ws clients
//! (gRPC, RPC, replay, simulator)                                        └──────▶ REST, metrics
//! ```
//!
//! - [`cli`]: the command line and its environment overrides.
//! - [`http`]: the Axum router: health, readiness, metrics and the dashboard.
//! - [`shutdown`]: Ctrl-C and SIGTERM handling shared by every task.
//!
//! All I/O of dexmon lives in this crate; the libraries it uses (`protocol`, `decoder`,
//! `pricing`, `detector`) are pure.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod error;
pub mod http;
pub mod shutdown;

use std::time::Instant;

pub use error::MonitorError;

/// Runs the monitor until Ctrl-C or SIGTERM.
///
/// # Errors
/// Start-up failures: the runtime cannot start, or the listen address cannot be bound.
pub fn run(cli: cli::Cli) -> Result<(), MonitorError> {
    init_tracing(&cli);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("dexmon")
        .build()
        .map_err(MonitorError::Runtime)?;
    runtime.block_on(serve(cli))
}

async fn serve(cli: cli::Cli) -> Result<(), MonitorError> {
    let started = Instant::now();
    let listener = tokio::net::TcpListener::bind(&cli.listen)
        .await
        .map_err(|source| MonitorError::Bind {
            addr: cli.listen.clone(),
            source,
        })?;
    let local = listener.local_addr().map_err(MonitorError::Runtime)?;
    tracing::info!(addr = %local, version = env!("CARGO_PKG_VERSION"), "listening");

    let state = http::AppState::new(started);
    let app = http::router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown::signal())
        .await
        .map_err(MonitorError::Runtime)?;
    tracing::info!("shut down cleanly");
    Ok(())
}

fn init_tracing(cli: &cli::Cli) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match cli.log_format {
        cli::LogFormat::Text => builder.try_init(),
        cli::LogFormat::Json => builder.json().try_init(),
    };
}
