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
pub mod pipeline;
pub mod pools;
pub mod reload;
pub mod shutdown;
pub mod snapshot;
pub mod source;
pub mod tokens;
pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::MonitorError;

/// Everything the service needs to start; built from the command line by
/// [`Settings::from_cli`], or directly by tests and embedders.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub source: cli::SourceArg,
    pub replay_speed: f64,
    pub record: Option<PathBuf>,
    pub simulator: source::simulator::SimulatorConfig,
    pub queue_capacity: usize,
    pub ws: ws::WsConfig,
    pub auth: auth::Auth,
    pub history: hub::HistoryLimits,
    pub health_interval: Duration,
    /// Data older than this makes `/ready` answer 503 and counts a price as stale.
    pub stale_after: Duration,
    /// Log the SOL/USDC summary line every 5 s.
    pub summary_log: bool,
    /// The live source's endpoints and pools (`--source yellowstone`).
    pub live: Option<LiveSettings>,
    pub prices: pipeline::PriceConfig,
    /// Binance reference prices (`[cex.binance]`), when configured.
    pub binance: Option<cex::BinanceSettings>,
    /// The exchange's fee, transfer cost and book age limit for `cex_dex` (`[cex]`).
    pub cex_costs: detector::CexConfig,
    /// Load tests only: benchmark `log` messages per second (0 = off), their size, and the
    /// delay before publishing starts.
    pub bench_publish: (u32, usize, Duration),
    /// Built-in and configured token symbols (on-chain ones are added while running).
    pub tokens: tokens::TokenRegistry,
    /// The `--config` file, re-read on `SIGHUP` for its `[pools]` section.
    pub config_path: Option<PathBuf>,
    /// Where on-chain token metadata is cached (`None`: in memory only).
    pub metadata_cache: Option<PathBuf>,
}

/// What the live source follows and where from.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// One or more endpoints streaming the same subscription; their updates are merged.
    pub endpoints: Vec<source::yellowstone::YellowstoneConfig>,
    pub rpc: Option<RpcSettings>,
    pub pools: Vec<decoder::Pubkey>,
    /// Pairs and tokens to discover pools of (needs `rpc`).
    pub discovery: Option<discovery::DiscoverySettings>,
}

/// The RPC endpoint for snapshots and fallback polling.
#[derive(Debug, Clone)]
pub struct RpcSettings {
    pub url: String,
    pub poll_interval: Duration,
    pub timeout: Duration,
    /// How long polling may stand in for every stream before `/ready` answers 503.
    pub max_fallback: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:0".to_owned(),
            source: cli::SourceArg::Simulator,
            replay_speed: 1.0,
            record: None,
            simulator: source::simulator::SimulatorConfig::default(),
            queue_capacity: 65_536,
            ws: ws::WsConfig::default(),
            auth: auth::Auth::default(),
            history: hub::HistoryLimits::default(),
            health_interval: Duration::from_secs(5),
            stale_after: Duration::from_secs(30),
            summary_log: false,
            live: None,
            prices: pipeline::PriceConfig::default(),
            bench_publish: (0, 256, Duration::ZERO),
            tokens: tokens::TokenRegistry::default(),
            config_path: None,
            metadata_cache: None,
            binance: None,
            cex_costs: detector::CexConfig::default(),
        }
    }
}

impl Settings {
    /// The settings the command line asks for, with `--config` if given. Every command-line
    /// value counts as explicit (see [`Settings::load`] to let a file override defaults).
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn from_cli(cli: &cli::Cli) -> Result<Self, MonitorError> {
        Self::load(cli, None)
    }

    /// Layers the built-in defaults, the `--config` file, environment variables and flags
    /// (highest last), then validates the result. `matches` tells which values were given
    /// explicitly; without it every value is.
    ///
    /// # Errors
    /// [`MonitorError::Config`] naming the key and why: an unreadable or invalid file,
    /// unknown keys, bad pool addresses, zero intervals, a live source without endpoint or
    /// pools, and values that cannot work together.
    pub fn load(cli: &cli::Cli, matches: Option<&clap::ArgMatches>) -> Result<Self, MonitorError> {
        use config::ConfigError as E;
        let file = match &cli.config {
            Some(path) => config::FileConfig::read(path)?,
            None => config::FileConfig::default(),
        };
        // A flag's value wins when it was given (flag or env); otherwise the file's, if any.
        let explicit = |id: &str| {
            matches.is_none_or(|m| {
                matches!(
                    m.value_source(id),
                    Some(
                        clap::parser::ValueSource::CommandLine
                            | clap::parser::ValueSource::EnvVariable
                    )
                )
            })
        };
        macro_rules! pick {
            ($id:literal, $cli:expr, $file:expr) => {
                match $file {
                    Some(v) if !explicit($id) => v,
                    _ => $cli,
                }
            };
        }
        let positive = |key: &str, secs: u64| {
            if secs == 0 {
                Err(E::invalid(key, "must be at least 1"))
            } else {
                Ok(Duration::from_secs(secs))
            }
        };

        let source = match file.source.as_deref() {
            Some(text) if !explicit("source") => {
                cli::parse_source(text).map_err(|e| E::invalid("source", e))?
            }
            _ => cli.source.clone(),
        };
        let ws_section = &file.ws;
        let ws = ws::WsConfig {
            max_connections: pick!(
                "max_connections",
                cli.max_connections,
                ws_section.max_connections
            ),
            heartbeat: positive(
                "ws.heartbeat_secs",
                pick!(
                    "heartbeat_secs",
                    cli.heartbeat_secs,
                    ws_section.heartbeat_secs
                ),
            )?,
            rate_per_second: pick!("ws_rate", cli.ws_rate, ws_section.rate),
            rate_burst: pick!("ws_burst", cli.ws_burst, ws_section.burst),
            max_alerts: ws_section
                .max_alerts
                .unwrap_or(ws::WsConfig::default().max_alerts),
            ..ws::WsConfig::default()
        };
        ws::rate_limit::TokenBucket::new(ws.rate_per_second, ws.rate_burst, 0)
            .map_err(|e| E::invalid("ws.rate", e.to_string()))?;
        let allow_origin = pick!(
            "allow_origin",
            cli.allow_origin.clone(),
            ws_section.allow_origin.clone()
        );
        let origins = if allow_origin.iter().any(|o| o == "*") {
            auth::OriginPolicy::Any
        } else if allow_origin.is_empty() {
            auth::OriginPolicy::SameHost
        } else {
            auth::OriginPolicy::List(allow_origin)
        };
        let tokens = cli
            .api_tokens
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(auth::Token::new)
            .collect();

        let prices = pipeline::PriceConfig {
            min_move: file.prices.min_move_pct.map_or(0.0001, |pct| pct / 100.0),
            refresh_us: file
                .prices
                .refresh_ms
                .map_or(1_000_000, |ms| ms.saturating_mul(1_000)),
        };
        if !(prices.min_move.is_finite() && prices.min_move >= 0.0) {
            return Err(E::invalid("prices.min_move_pct", "must be a number >= 0").into());
        }
        if prices.refresh_us == 0 {
            return Err(E::invalid("prices.refresh_ms", "must be at least 1").into());
        }

        let token_registry = discovery::settings::registry(&file)?;
        let live = config::live_settings(cli, &file, &token_registry, &explicit)?;
        if source == cli::SourceArg::Yellowstone && live.is_none() {
            return Err(E::invalid(
                "yellowstone.endpoint",
                "the yellowstone source needs an endpoint (--grpc-endpoint) and at least one pool (--pools)",
            )
            .into());
        }
        let sim_rate = pick!("sim_rate", cli.sim_rate, file.simulator.rate);
        if sim_rate == 0 {
            return Err(E::invalid("simulator.rate", "must be at least 1").into());
        }
        let queue_capacity = pick!("queue_capacity", cli.queue_capacity, file.queue_capacity);
        if queue_capacity == 0 {
            return Err(E::invalid("queue_capacity", "must be at least 1").into());
        }
        let record = match &cli.command {
            Some(cli::Command::Record { out }) => Some(out.clone()),
            _ => cli.record.clone(),
        };
        let metadata_cache = file.tokens.metadata_cache.clone().or_else(|| {
            let dir = record
                .as_ref()
                .and_then(|r| r.parent())
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            Some(dir.join("token-metadata.json"))
        });
        Ok(Self {
            listen: pick!("listen", cli.listen.clone(), file.listen.clone()),
            source,
            replay_speed: cli.replay_speed,
            record,
            tokens: token_registry,
            config_path: cli.config.clone(),
            metadata_cache,
            simulator: source::simulator::SimulatorConfig {
                seed: pick!("sim_seed", cli.sim_seed, file.simulator.seed),
                updates_per_second: sim_rate,
                ..Default::default()
            },
            queue_capacity,
            ws,
            auth: auth::Auth { tokens, origins },
            health_interval: positive(
                "health_interval_secs",
                pick!(
                    "health_interval_secs",
                    cli.health_interval_secs,
                    file.health_interval_secs
                ),
            )?,
            summary_log: true,
            live,
            prices,
            binance: cex::config::binance_settings(&file.cex)?,
            cex_costs: cex::config::cex_costs(&file.cex)?,
            bench_publish: (
                cli.bench_publish_rate,
                cli.bench_payload,
                Duration::from_millis(cli.bench_publish_delay_ms),
            ),
            ..Self::default()
        })
    }
}

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
        let running = start(settings).await?;
        shutdown::signal().await;
        running.stop();
        running.wait().await
    })
}

/// A started monitor.
#[derive(Debug)]
pub struct Running {
    /// Where it serves HTTP and `/ws`.
    pub addr: SocketAddr,
    /// The running source's state, as `/ready` and health report it.
    pub source: Arc<source::SourceStatus>,
    /// What the live source has done (all zero for other sources).
    pub live: Arc<source::yellowstone::LiveStats>,
    /// The Binance feed's state and counters, when one is configured.
    pub cex: Option<Arc<cex::FeedStats>>,
    /// Everything published, for embedders and tests.
    pub hub: Arc<hub::Hub>,
    /// The followed pools; changes reach the live source and the pipeline.
    pub pools: Arc<pools::PoolControl>,
    /// Re-reads `[pools]` from the configuration file (what `SIGHUP` does).
    pub reload: Option<Arc<reload::Reload>>,
    stop: watch::Sender<bool>,
    queue: Arc<source::CoalescingQueue>,
    task: Option<JoinHandle<Result<(), MonitorError>>>,
}

impl Drop for Running {
    /// A dropped handle stops the service too. Closing the queue releases the pipeline's
    /// blocking thread even when the runtime is going away and the source cannot close it.
    fn drop(&mut self) {
        self.stop();
        self.queue.close();
    }
}

impl Running {
    /// Starts a graceful shutdown: clients get close 1001, the source and pipeline stop.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits for the shutdown to finish.
    ///
    /// # Errors
    /// The server failed while running.
    pub async fn wait(mut self) -> Result<(), MonitorError> {
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        match task.await {
            Ok(result) => result,
            Err(err) => Err(MonitorError::Runtime(std::io::Error::other(err))),
        }
    }
}

/// The process-wide Prometheus recorder (metrics macros write to one global recorder).
fn prometheus() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let latency_buckets = [
                0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005,
                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ];
            let builder = metrics_exporter_prometheus::PrometheusBuilder::new();
            let builder = builder
                .set_buckets(&latency_buckets)
                .unwrap_or_else(|_| metrics_exporter_prometheus::PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
            }
            handle
        })
        .clone()
}

/// Binds, starts the source, pipeline, health reporter and HTTP server, and returns at once.
///
/// # Errors
/// The listen address cannot be bound, or the recording file cannot be created.
pub async fn start(settings: Settings) -> Result<Running, MonitorError> {
    let started = Instant::now();
    install_crypto_provider();
    let metrics = prometheus();
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .map_err(|source| MonitorError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(MonitorError::Runtime)?;
    tracing::info!(addr = %addr, version = env!("CARGO_PKG_VERSION"), "listening");

    let (stop_tx, stop_rx) = watch::channel(false);
    let hub = Arc::new(hub::Hub::with_history(65_536, settings.history));
    let queue = Arc::new(source::CoalescingQueue::new(settings.queue_capacity));
    let live_stats = Arc::new(match (&settings.source, &settings.live) {
        (cli::SourceArg::Yellowstone, Some(live)) => {
            source::yellowstone::LiveStats::with_endpoints(
                live.endpoints.iter().map(|e| e.name.clone()),
            )
        }
        _ => source::yellowstone::LiveStats::default(),
    });

    // Runtime pool changes: to the live source (subscription) and the pipeline (control
    // messages between batches, the queue woken to take them).
    let (control_tx, control_rx) = std::sync::mpsc::channel::<pipeline::Control>();
    let pipeline_link = pools::PipelineLink {
        control: control_tx,
        queue: queue.clone(),
    };
    let (changes_tx, changes_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut changes_rx = Some(changes_rx);
    // Exchange books (Binance's feed, or the simulator's) wait here for the pipeline.
    let cex_inbox = Arc::new(cex::BookInbox::default());

    // Source. A replay hands the pipeline its recorded batches directly; the others go
    // through the coalescing queue.
    let mut replay_input: Option<tokio::sync::mpsc::Receiver<source::replay::TimedBatch>> = None;
    let (source_status, source_task) = match &settings.source {
        cli::SourceArg::Simulator => {
            let sim = settings.simulator.clone();
            tracing::info!(
                seed = sim.seed,
                rate = sim.updates_per_second,
                "source: built-in market simulator"
            );
            let status = Arc::new(source::SourceStatus::new("simulator"));
            // The simulator's own exchange books stand in only while no real exchange is
            // followed: two sources of `binance:SOLUSDC` would fight.
            let books = settings.binance.is_none().then(|| cex_inbox.clone());
            let task = tokio::spawn(source::simulator::run(
                sim,
                queue.clone(),
                books,
                stop_rx.clone(),
            ));
            (status, task)
        }
        cli::SourceArg::Replay(path) => {
            tracing::info!(path = %path.display(), speed = settings.replay_speed, "source: replay");
            let status = Arc::new(source::SourceStatus::new("replay"));
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            replay_input = Some(rx);
            let (path, speed, stop, st) = (
                path.clone(),
                settings.replay_speed,
                stop_rx.clone(),
                status.clone(),
            );
            let task = tokio::spawn(async move {
                match source::replay::run(&path, speed, clock::monotonic_us(), tx, stop).await {
                    Ok(batches) => {
                        tracing::info!(batches, "replay finished");
                        st.set(protocol::SourceState::Down, Some("replay finished".into()));
                    }
                    Err(err) => {
                        tracing::error!(%err, path = %path.display(), "replay failed");
                        st.set(
                            protocol::SourceState::Down,
                            Some(format!("replay failed: {err}")),
                        );
                    }
                }
            });
            (status, task)
        }
        cli::SourceArg::Yellowstone => {
            let live = settings.live.clone().ok_or_else(|| {
                MonitorError::Config("the yellowstone source needs an endpoint and pools".into())
            })?;
            let rpc = match &live.rpc {
                None => None,
                Some(r) => Some(source::yellowstone::RpcFallback {
                    client: source::rpc::RpcClient::new(&r.url, r.timeout)
                        .map_err(|e| MonitorError::Config(e.to_string()))?,
                    poll_interval: r.poll_interval,
                }),
            };
            let status = Arc::new(source::SourceStatus::new("yellowstone"));
            // Not connected until an endpoint subscribes (readiness must not see a stream
            // that does not exist yet).
            status.set(
                protocol::SourceState::Reconnecting,
                Some("connecting".into()),
            );
            let ctx = source::yellowstone::LiveContext {
                queue: queue.clone(),
                status: status.clone(),
                stats: live_stats.clone(),
                stop: stop_rx.clone(),
            };
            let task = tokio::spawn(source::yellowstone::run(
                live.endpoints,
                rpc,
                live.pools,
                ctx,
                changes_rx
                    .take()
                    .ok_or_else(|| MonitorError::Config("the live source started twice".into()))?,
            ));
            (status, task)
        }
    };
    let mut recorder = match &settings.record {
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

    // Which pools are followed, and discovery of more.
    let live_source = matches!(settings.source, cli::SourceArg::Yellowstone);
    let pool_control = Arc::new(pools::PoolControl::new(
        settings
            .live
            .as_ref()
            .map(|l| l.pools.clone())
            .unwrap_or_default(),
        live_source.then_some(changes_tx),
        pipeline_link.clone(),
        hub.clone(),
    ));
    let (discovery_tx, discovery_task) =
        start_discovery(&settings, &pool_control, &pipeline_link, &hub, &stop_rx)?;
    let reload = settings.config_path.clone().map(|path| {
        Arc::new(reload::Reload {
            path,
            tokens: settings.tokens.clone(),
            array_radius: settings
                .live
                .as_ref()
                .and_then(|l| l.endpoints.first())
                .map_or(2, |e| e.array_radius),
            pools: pool_control.clone(),
            discovery: discovery_tx,
        })
    });
    let hangup_task = reload
        .clone()
        .map(|r| tokio::spawn(reload::on_hangup(r, stop_rx.clone())));
    // Exchange reference prices, when configured: the latest book per symbol waits in an
    // inbox the pipeline drains between batches.
    let cex_stats = settings
        .binance
        .as_ref()
        .map(|_| Arc::new(cex::FeedStats::new("binance")));
    let cex_task = match (&settings.binance, &cex_stats) {
        (Some(binance), Some(stats)) => {
            tracing::info!(endpoint = %binance.endpoint, symbols = binance.symbols.len(), "cex: binance");
            Some(tokio::spawn(cex::feed::run(
                binance.clone(),
                cex_inbox.clone(),
                stats.clone(),
                stop_rx.clone(),
            )))
        }
        _ => None,
    };

    // Pipeline.
    let detector_config = detector::DetectorConfig {
        cex: settings.cex_costs,
        ..detector::DetectorConfig::default()
    };
    let mut pipeline = pipeline::Pipeline::new(
        detector_config,
        settings.prices,
        settings.tokens.clone(),
        hub.clone(),
    )
    .map_err(|e| MonitorError::Config(format!("detector: {e}")))?;
    let pipeline_stats = pipeline.stats.clone();
    let pipeline_queue = queue.clone();
    let pipeline_books = cex_inbox.clone();
    let pipeline_task = tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        loop {
            let (batch, slot, clock) = match replay_input.as_mut() {
                Some(rx) => match rx.blocking_recv() {
                    Some(timed) => timed,
                    None => break,
                },
                None => {
                    let next = handle.block_on(async {
                        tokio::select! {
                            batch = pipeline_queue.pop_batch(4_096) => Some(batch),
                            () = pipeline_books.changed() => None,
                        }
                    });
                    match next {
                        Some(Some((batch, slot))) => (batch, slot, clock::BatchClock::wall()),
                        Some(None) => break,
                        None => {
                            pipeline
                                .process_books(pipeline_books.take(), clock::BatchClock::wall());
                            continue;
                        }
                    }
                }
            };
            while let Ok(control) = control_rx.try_recv() {
                pipeline.control(control);
            }
            if batch.is_empty() && slot.is_none() {
                continue;
            }
            if let Some(rec) = recorder.as_mut()
                && !record(rec, &batch, slot, clock)
            {
                recorder = None;
            }
            pipeline.process_at(batch, slot, clock);
        }
        if let Some(Err(err)) = recorder.map(source::replay::Recorder::finish) {
            tracing::error!(%err, "recording could not be completed");
        }
    });

    let ws_ctx = ws::WsContext {
        hub: hub.clone(),
        config: Arc::new(settings.ws.clone()),
        stats: Arc::new(ws::WsStats::default()),
        auth: Arc::new(settings.auth.clone()),
        shutdown: stop_rx.clone(),
    };
    let state = http::AppState {
        started,
        hub: hub.clone(),
        pipeline: pipeline_stats,
        queue: queue.clone(),
        source: source_status.clone(),
        live: live_stats.clone(),
        cex: cex_stats.clone(),
        ws: ws_ctx,
        metrics,
        pools: pool_control.clone(),
        stale_after: settings.stale_after,
        max_fallback: settings
            .live
            .as_ref()
            .and_then(|l| l.rpc.as_ref())
            .map(|r| r.max_fallback),
    };
    let bench_task = (settings.bench_publish.0 > 0).then(|| {
        tokio::spawn(bench::run(
            hub.clone(),
            settings.bench_publish.0,
            settings.bench_publish.1,
            settings.bench_publish.2,
            stop_rx.clone(),
        ))
    });
    let health_task = tokio::spawn(health::run(
        state.clone(),
        settings.health_interval,
        settings.summary_log,
        stop_rx.clone(),
    ));

    let server_queue = queue.clone();
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut server_stop = stop_rx.clone();
    let task = tokio::spawn(async move {
        // Messages are small and latency matters more than packet count: no Nagle delay.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "TCP_NODELAY could not be set");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(MonitorError::Runtime);
        server_queue.close();
        let _ = source_task.await;
        let _ = pipeline_task.await;
        let _ = health_task.await;
        for task in [discovery_task, hangup_task, cex_task]
            .into_iter()
            .flatten()
        {
            let _ = task.await;
        }
        if let Some(task) = bench_task {
            let _ = task.await;
        }
        tracing::info!("shut down cleanly");
        served
    });
    Ok(Running {
        addr,
        source: source_status,
        live: live_stats,
        pools: pool_control,
        reload,
        cex: cex_stats,
        hub,
        stop: stop_tx,
        queue,
        task: Some(task),
    })
}

type DiscoveryStart = (
    Option<watch::Sender<discovery::DiscoverySettings>>,
    Option<JoinHandle<()>>,
);

/// Starts rediscovery for a live source with an RPC endpoint (idle while there is nothing
/// to discover, so `SIGHUP` can add pairs later).
fn start_discovery(
    settings: &Settings,
    pools: &Arc<pools::PoolControl>,
    pipeline: &pools::PipelineLink,
    hub: &Arc<hub::Hub>,
    stop: &watch::Receiver<bool>,
) -> Result<DiscoveryStart, MonitorError> {
    let (Some(live), cli::SourceArg::Yellowstone) = (&settings.live, &settings.source) else {
        return Ok((None, None));
    };
    let Some(rpc) = &live.rpc else {
        return Ok((None, None));
    };
    let client = source::rpc::RpcClient::new(&rpc.url, rpc.timeout)
        .map_err(|e| MonitorError::Config(e.to_string()))?;
    let mut initial = live
        .discovery
        .clone()
        .unwrap_or_else(|| discovery::DiscoverySettings::new(Vec::new()));
    if let Some(endpoint) = live.endpoints.first() {
        initial.array_radius = endpoint.array_radius;
    }
    let (tx, rx) = watch::channel(initial);
    let task = discovery::task::DiscoveryTask {
        rpc: client,
        settings: rx,
        tokens: settings.tokens.clone(),
        metadata: tokens::metadata::MetadataCache::open(settings.metadata_cache.as_deref()),
        control: pools.clone(),
        pipeline: pipeline.clone(),
        hub: hub.clone(),
        stop: stop.clone(),
        pool_mints: std::collections::BTreeMap::new(),
    };
    Ok((Some(tx), Some(tokio::spawn(task.run()))))
}

/// TLS for gRPC and RPC uses ring; rustls needs it named once per process.
pub(crate) fn install_crypto_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Appends one batch to the recording; false when it failed. A failing disk stops the
/// recording, not the monitor.
fn record(
    rec: &mut source::replay::Recorder<std::fs::File>,
    batch: &[source::AccountUpdate],
    slot: Option<u64>,
    at: clock::BatchClock,
) -> bool {
    let result = batch
        .iter()
        .try_for_each(|u| rec.account(u))
        .and_then(|()| match slot {
            Some(slot) => rec.slot(slot, at.now_us),
            None => Ok(()),
        })
        .and_then(|()| rec.batch_end(at.now_us, at.unix_ms));
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
