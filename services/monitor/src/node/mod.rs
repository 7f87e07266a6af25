//! How a node is put together: each [`Role`] is a composition of the same parts.
//!
//! ```text
//! all     source ▸ pipeline ▸ Hub ───────────────────────────────▶ /ws, REST, dashboard
//! ingest  source ▸ pipeline ▸ Hub ▸ nats::publish ──▶ JetStream     (/health, /ready, /metrics)
//! edge                      JetStream ──▶ nats::mirror ▸ Hub ────▶ /ws, REST, dashboard
//! ```
//!
//! - [`source`]: spawns the configured source.
//! - [`ingest`]: source, pipeline and what surrounds them (pools, discovery, reload, CEX).
//! - [`server`]: the HTTP server, and the orderly end of every task.
//!
//! [`Role`]: crate::cli::Role

pub mod ingest;
mod roles;
pub mod server;
pub mod source;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::cli::Role;
use crate::{MonitorError, Settings, bench, cex, health, http, hub, pools, reload, ws};

/// A started monitor.
#[derive(Debug)]
pub struct Running {
    /// Where it serves HTTP (and `/ws`, except on an ingest node).
    pub addr: SocketAddr,
    /// The running source's state, as `/ready` and health report it (on an edge: its
    /// JetStream subscription).
    pub source: Arc<crate::source::SourceStatus>,
    /// What the live source has done (all zero for other sources).
    pub live: Arc<crate::source::yellowstone::LiveStats>,
    /// The Binance feed's state and counters, when one is configured.
    pub cex: Option<Arc<cex::FeedStats>>,
    /// Everything published, for embedders and tests.
    pub hub: Arc<hub::Hub>,
    /// The followed pools; changes reach the live source and the pipeline.
    pub pools: Arc<pools::PoolControl>,
    /// Re-reads `[pools]` from the configuration file (what `SIGHUP` does).
    pub reload: Option<Arc<reload::Reload>>,
    stop: watch::Sender<bool>,
    queue: Arc<crate::source::CoalescingQueue>,
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

/// Binds, starts the parts the role needs and the HTTP server, and returns at once (an edge
/// first catches up with the streams).
///
/// # Errors
/// The listen address cannot be bound, the settings cannot work (see each part), or the
/// recording file cannot be created.
pub async fn start(settings: Settings) -> Result<Running, MonitorError> {
    crate::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .map_err(|source| MonitorError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(MonitorError::Runtime)?;
    tracing::info!(addr = %addr, version = env!("CARGO_PKG_VERSION"), role = ?settings.role, "listening");
    let (stop_tx, stop_rx) = watch::channel(false);
    let parts = match (settings.role, &settings.nats) {
        (Role::All, _) => single(&settings, &stop_rx)?,
        (Role::Ingest, Some(nats)) => roles::ingest(&settings, nats, &stop_rx).await?,
        (Role::Edge, Some(nats)) => roles::edge(&settings, nats, &stop_rx).await?,
        (role, None) => {
            return Err(MonitorError::Config(format!(
                "role {role:?} needs [nats] settings"
            )));
        }
    };
    let task = server::spawn(
        listener,
        settings.ws.send_buffer,
        parts.router,
        stop_rx,
        parts.queue.clone(),
        parts.tasks,
    );
    Ok(Running {
        addr,
        source: parts.source,
        live: parts.live,
        pools: parts.pools,
        reload: parts.reload,
        cex: parts.cex,
        hub: parts.hub,
        stop: stop_tx,
        queue: parts.queue,
        task: Some(task),
    })
}

/// What a role hands to the server and to [`Running`].
struct Parts {
    router: axum::Router,
    hub: Arc<hub::Hub>,
    source: Arc<crate::source::SourceStatus>,
    live: Arc<crate::source::yellowstone::LiveStats>,
    cex: Option<Arc<cex::FeedStats>>,
    pools: Arc<pools::PoolControl>,
    reload: Option<Arc<reload::Reload>>,
    queue: Arc<crate::source::CoalescingQueue>,
    tasks: Vec<JoinHandle<()>>,
}

/// Role `all`: ingest and serve in one process, through the in-memory hub.
fn single(settings: &Settings, stop: &watch::Receiver<bool>) -> Result<Parts, MonitorError> {
    let hub = Arc::new(hub::Hub::with_history(HUB_CAPACITY, settings.history));
    let mut ingest = ingest::spawn(settings, &hub, stop)?;
    let state = ingest_state(settings, &hub, &ingest, stop, None);
    let mut tasks = std::mem::take(&mut ingest.tasks);
    tasks.extend(reporters(settings, &state, stop));
    Ok(Parts::of_ingest(http::router(state), hub, ingest, tasks))
}

impl Parts {
    /// The parts of a node that runs the pipeline (`tasks` includes the ingest's own).
    fn of_ingest(
        router: axum::Router,
        hub: Arc<hub::Hub>,
        ingest: ingest::Ingest,
        tasks: Vec<JoinHandle<()>>,
    ) -> Self {
        Self {
            router,
            hub,
            source: ingest.source,
            live: ingest.live,
            cex: ingest.cex,
            pools: ingest.pools,
            reload: ingest.reload,
            queue: ingest.queue,
            tasks,
        }
    }
}

/// Broadcast buffer of the hub, in messages, for subscribers that fall behind.
const HUB_CAPACITY: usize = 65_536;

/// The routes' state on a node that runs the pipeline.
fn ingest_state(
    settings: &Settings,
    hub: &Arc<hub::Hub>,
    ingest: &ingest::Ingest,
    stop: &watch::Receiver<bool>,
    nats: Option<crate::nats::NodeState>,
) -> http::AppState {
    http::AppState {
        started: Instant::now(),
        hub: hub.clone(),
        pipeline: ingest.pipeline.clone(),
        queue: ingest.queue.clone(),
        source: ingest.source.clone(),
        live: ingest.live.clone(),
        cex: ingest.cex.clone(),
        ws: ws_context(settings, hub, stop),
        metrics: prometheus(),
        pools: ingest.pools.clone(),
        stale_after: settings.stale_after,
        max_fallback: settings
            .live
            .as_ref()
            .and_then(|l| l.rpc.as_ref())
            .map(|r| r.max_fallback),
        nats,
    }
}

/// The periodic `health` message and, for load tests, the benchmark publisher.
fn reporters(
    settings: &Settings,
    state: &http::AppState,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        tokio::spawn(health::run(
            state.clone(),
            settings.health_interval,
            settings.summary_log,
            stop.clone(),
        )),
        metrics_upkeep(&state.metrics, stop),
    ];
    if settings.bench_publish.rate > 0 {
        tasks.push(tokio::spawn(bench::run(
            state.hub.clone(),
            settings.bench_publish,
            stop.clone(),
        )));
    }
    tasks
}

fn ws_context(
    settings: &Settings,
    hub: &Arc<hub::Hub>,
    stop: &watch::Receiver<bool>,
) -> ws::WsContext {
    ws::WsContext {
        hub: hub.clone(),
        config: Arc::new(settings.ws.clone()),
        stats: Arc::new(ws::WsStats::default()),
        auth: Arc::new(settings.auth.clone()),
        shutdown: stop.clone(),
    }
}

/// How often histogram samples are folded into their buckets.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the recorder's histogram samples into their buckets every few seconds. The recorder
/// keeps every sample until then: without this, a monitor that nobody scrapes grows by every
/// latency it records (the soak measured about 60 MB a minute at 1,000 busy clients).
fn metrics_upkeep(
    handle: &metrics_exporter_prometheus::PrometheusHandle,
    stop: &watch::Receiver<bool>,
) -> JoinHandle<()> {
    let (handle, mut stop) = (handle.clone(), stop.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(METRICS_UPKEEP);
        loop {
            tokio::select! {
                _ = every.tick() => handle.run_upkeep(),
                _ = stop.changed() => return,
            }
        }
    })
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
