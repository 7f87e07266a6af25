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
//! - [`http`]: the Axum router: health, readiness, metrics and the dashboard.
//! - [`shutdown`]: Ctrl-C and SIGTERM handling shared by every task.
//!
//! All I/O of dexmon lives in this crate; the libraries it uses (`protocol`, `decoder`,
//! `pricing`, `detector`) are pure.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod backoff;
pub mod cli;
pub mod clock;
pub mod error;
pub mod http;
pub mod hub;
pub mod pipeline;
pub mod shutdown;
pub mod source;
pub mod tokens;

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

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let hub = std::sync::Arc::new(hub::Hub::new(65_536));
    let queue = std::sync::Arc::new(source::CoalescingQueue::new(cli.queue_capacity));

    // Source.
    let source_task = match &cli.source {
        cli::SourceArg::Simulator => {
            let sim = source::simulator::SimulatorConfig {
                seed: cli.sim_seed,
                updates_per_second: cli.sim_rate,
                ..Default::default()
            };
            tracing::info!(
                seed = sim.seed,
                rate = sim.updates_per_second,
                "source: built-in market simulator"
            );
            tokio::spawn(source::simulator::run(sim, queue.clone(), stop_rx.clone()))
        }
        cli::SourceArg::Replay(path) => {
            tracing::info!(path = %path.display(), speed = cli.replay_speed, "source: replay");
            let (path, speed, queue, stop) = (
                path.clone(),
                cli.replay_speed,
                queue.clone(),
                stop_rx.clone(),
            );
            tokio::spawn(async move {
                match source::replay::run(&path, speed, clock::monotonic_us(), queue, stop).await {
                    Ok(frames) => tracing::info!(frames, "replay finished"),
                    Err(err) => tracing::error!(%err, path = %path.display(), "replay failed"),
                }
            })
        }
    };
    let mut recorder = match &cli.record {
        None => None,
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| MonitorError::Record {
                path: path.clone(),
                source,
            })?;
            tracing::info!(path = %path.display(), "recording account updates");
            Some(
                source::replay::Recorder::new(file).map_err(|e| MonitorError::Record {
                    path: path.clone(),
                    source: std::io::Error::other(e),
                })?,
            )
        }
    };

    // Pipeline.
    let mut pipeline = pipeline::Pipeline::new(
        detector::DetectorConfig::default(),
        pipeline::PriceConfig::default(),
        tokens::TokenRegistry::default(),
        hub.clone(),
    );
    let stats = pipeline.stats.clone();
    let pipeline_queue = queue.clone();
    let pipeline_task = tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        while let Some((batch, slot)) = handle.block_on(pipeline_queue.pop_batch(4_096)) {
            if let Some(rec) = recorder.as_mut()
                && !record(rec, &batch, slot)
            {
                recorder = None;
            }
            pipeline.process(batch, slot);
        }
        if let Some(Err(err)) = recorder.map(source::replay::Recorder::finish) {
            tracing::error!(%err, "recording could not be completed");
        }
    });

    // A periodic summary, so a terminal shows the market too.
    let reporter_hub = hub.clone();
    let mut reporter_stop = stop_rx.clone();
    let reporter = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = reporter_stop.changed() => break,
            }
            let prices = reporter_hub.prices();
            let summary: Vec<String> = prices
                .iter()
                .filter(|p| p.pair == "SOL/USDC")
                .map(|p| format!("{}:{} {:.4}", p.dex, p.pool_type, p.price))
                .collect();
            tracing::info!(
                updates = stats.updates.load(std::sync::atomic::Ordering::Relaxed),
                pools = prices.len(),
                open_opportunities = reporter_hub.open_opportunities().len(),
                slot = stats.latest_slot.load(std::sync::atomic::Ordering::Relaxed),
                "SOL/USDC {}",
                summary.join("  ")
            );
        }
    });

    let state = http::AppState::new(started);
    let app = http::router(state);
    let shutdown = async move {
        shutdown::signal().await;
        let _ = stop_tx.send(true);
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(MonitorError::Runtime)?;
    queue.close();
    let _ = source_task.await;
    let _ = pipeline_task.await;
    let _ = reporter.await;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Appends one batch to the recording; false when it failed. A failing disk stops the
/// recording, not the monitor.
fn record(
    rec: &mut source::replay::Recorder<std::fs::File>,
    batch: &[source::AccountUpdate],
    slot: Option<u64>,
) -> bool {
    let result = batch
        .iter()
        .try_for_each(|u| rec.account(u))
        .and_then(|()| match slot {
            Some(slot) => rec.slot(slot, clock::monotonic_us()),
            None => Ok(()),
        });
    if let Err(err) = &result {
        tracing::error!(%err, "recording failed; it stops here and the monitor carries on");
    }
    result.is_ok()
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
