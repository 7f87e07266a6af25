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
//! - [`source`]: where account updates come from (the [`source::simulator`] by default), into
//!   a never-blocking [`source::CoalescingQueue`].
//! - [`pipeline`]: decode ▸ state ▸ price ▸ detect, one batch at a time.
//! - [`hub`]: stamps, encodes once and broadcasts every channel message.
//! - [`ws`]: `/ws`, per-connection outboxes, limits and resume.
//! - [`http`]: the Axum router: `/ws`, health, readiness, metrics, REST and the dashboard.
//! - [`health`]: the periodic `health` message and the terminal summary.
//! - [`auth`]: tokens and the `Origin` allowlist.
//! - [`shutdown`]: Ctrl-C and SIGTERM handling shared by every task.
//!
//! All I/O of dexmon lives in this crate; the libraries it uses (`protocol`, `decoder`,
//! `pricing`, `detector`) are pure.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod backoff;
pub mod bench;
pub mod cex;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod discovery;
pub mod error;
pub mod health;
pub mod http;
pub mod hub;
pub mod nats;
pub mod node;
pub mod pipeline;
pub mod pools;
pub mod reload;
pub mod shutdown;
pub mod snapshot;
pub mod source;
pub mod tokens;
pub mod ws;

use std::sync::OnceLock;

pub use config::{BenchPublish, LiveSettings, RpcSettings, Settings};
pub use error::MonitorError;
pub use node::{Running, start};

/// Runs the monitor until Ctrl-C or SIGTERM.
///
/// # Errors
/// Start-up failures: bad settings, the runtime cannot start, or the listen address cannot
/// be bound.
pub fn run(cli: cli::Cli, matches: Option<&clap::ArgMatches>) -> Result<(), MonitorError> {
    init_tracing(&cli);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("dexmon")
        .build()
        .map_err(MonitorError::Runtime)?;
    if let Some(cli::Command::Snapshot {
        rpc,
        pools,
        out,
        array_radius,
    }) = &cli.command
    {
        install_crypto_provider();
        let report = runtime
            .block_on(snapshot::run(rpc, pools, out, *array_radius))
            .map_err(|e| MonitorError::Snapshot(Box::new(e)))?;
        for key in &report.missing {
            tracing::warn!(%key, "account does not exist");
        }
        tracing::info!(
            slot = report.slot,
            accounts = report.written.len(),
            missing = report.missing.len(),
            out = %out.display(),
            "snapshot written"
        );
        return Ok(());
    }
    if let Some(cli::Command::Discover { pairs, tokens, rpc }) = &cli.command {
        install_crypto_provider();
        let text =
            runtime.block_on(discovery::command::run(&cli, pairs, tokens, rpc.as_deref()))?;
        print!("{text}");
        return Ok(());
    }
    let settings = Settings::load(&cli, matches)?;
    runtime.block_on(async move {
        let signals = shutdown::Signals::install();
        let running = start(settings).await?;
        signals.recv().await;
        running.stop();
        running.wait().await
    })
}

/// TLS for gRPC and RPC uses ring; rustls needs it named once per process.
pub(crate) fn install_crypto_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
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
