//! The source part: spawns the configured [`cli::SourceArg`] and hands back its status.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::{MonitorError, Settings, cex, cli, clock, source};

/// A running source.
#[derive(Debug)]
pub struct SpawnedSource {
    pub status: Arc<source::SourceStatus>,
    pub task: JoinHandle<()>,
    /// A replay hands the pipeline its recorded batches directly, with their clocks; the
    /// other sources go through the coalescing queue.
    pub replay: Option<mpsc::Receiver<source::replay::TimedBatch>>,
}

/// What every source may write to.
#[derive(Debug)]
pub struct SourceLinks<'a> {
    pub queue: &'a Arc<source::CoalescingQueue>,
    pub live_stats: &'a Arc<source::yellowstone::LiveStats>,
    /// Exchange books; the simulator fills it only while no real exchange is followed.
    pub books: &'a Arc<cex::BookInbox>,
    /// Runtime pool changes, for the live source's subscription.
    pub pool_changes: mpsc::UnboundedReceiver<source::PoolChange>,
    pub stop: &'a watch::Receiver<bool>,
}

/// Spawns the source `settings` names.
///
/// # Errors
/// A live source without endpoints or with an unusable RPC URL.
pub fn spawn(settings: &Settings, links: SourceLinks<'_>) -> Result<SpawnedSource, MonitorError> {
    let stop = links.stop.clone();
    Ok(match &settings.source {
        cli::SourceArg::Simulator => {
            let sim = settings.simulator.clone();
            tracing::info!(
                seed = sim.seed,
                rate = sim.updates_per_second,
                "source: built-in market simulator"
            );
            // Two sources of `binance:SOLUSDC` would fight.
            let books = settings.binance.is_none().then(|| links.books.clone());
            SpawnedSource {
                status: Arc::new(source::SourceStatus::new("simulator")),
                task: tokio::spawn(source::simulator::run(
                    sim,
                    links.queue.clone(),
                    books,
                    stop,
                )),
                replay: None,
            }
        }
        cli::SourceArg::Replay(path) => {
            tracing::info!(path = %path.display(), speed = settings.replay_speed, "source: replay");
            let status = Arc::new(source::SourceStatus::new("replay"));
            let (tx, rx) = mpsc::channel(64);
            let (path, speed, st) = (path.clone(), settings.replay_speed, status.clone());
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
            SpawnedSource {
                status,
                task,
                replay: Some(rx),
            }
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
                queue: links.queue.clone(),
                status: status.clone(),
                stats: links.live_stats.clone(),
                stop,
            };
            SpawnedSource {
                status,
                task: tokio::spawn(source::yellowstone::run(
                    live.endpoints,
                    rpc,
                    live.pools,
                    ctx,
                    links.pool_changes,
                )),
                replay: None,
            }
        }
    })
}

/// The live source's counters, one per configured endpoint.
pub fn live_stats(settings: &Settings) -> source::yellowstone::LiveStats {
    match (&settings.source, &settings.live) {
        (cli::SourceArg::Yellowstone, Some(live)) => {
            source::yellowstone::LiveStats::with_endpoints(
                live.endpoints.iter().map(|e| e.name.clone()),
            )
        }
        _ => source::yellowstone::LiveStats::default(),
    }
}
