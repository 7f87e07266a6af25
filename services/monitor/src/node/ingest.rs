//! The ingest part: source ▸ pipeline ▸ [`Hub`], with the followed pools, discovery, the
//! `SIGHUP` reload and the exchange feed around it. Roles `all` and `ingest` run it.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::source::{SourceLinks, SpawnedSource};
use crate::hub::Hub;
use crate::{
    MonitorError, Settings, cex, cli, clock, discovery, pipeline, pools, reload, source, tokens,
};

/// A running ingest side.
#[derive(Debug)]
pub struct Ingest {
    pub source: Arc<source::SourceStatus>,
    pub live: Arc<source::yellowstone::LiveStats>,
    pub cex: Option<Arc<cex::FeedStats>>,
    pub pipeline: Arc<pipeline::PipelineStats>,
    pub queue: Arc<source::CoalescingQueue>,
    pub pools: Arc<pools::PoolControl>,
    pub reload: Option<Arc<reload::Reload>>,
    /// Every task; they end after `stop` (the queue closed for the pipeline).
    pub tasks: Vec<JoinHandle<()>>,
}

/// Starts the source, the pipeline and what surrounds them, publishing into `hub`.
///
/// # Errors
/// Unusable live-source or detector settings, or a recording file that cannot be created.
pub fn spawn(
    settings: &Settings,
    hub: &Arc<Hub>,
    stop: &watch::Receiver<bool>,
) -> Result<Ingest, MonitorError> {
    let queue = Arc::new(source::CoalescingQueue::new(settings.queue_capacity));
    let live = Arc::new(super::source::live_stats(settings));
    // Runtime pool changes: to the live source (subscription) and the pipeline (control
    // messages between batches, the queue woken to take them).
    let (control_tx, control_rx) = std::sync::mpsc::channel::<pipeline::Control>();
    let link = pools::PipelineLink {
        control: control_tx,
        queue: queue.clone(),
    };
    let (changes_tx, changes_rx) = tokio::sync::mpsc::unbounded_channel();
    // Exchange books (Binance's feed, or the simulator's) wait here for the pipeline.
    let books = Arc::new(cex::BookInbox::default());

    let SpawnedSource {
        status: source_status,
        task: source_task,
        replay,
    } = super::source::spawn(
        settings,
        SourceLinks {
            queue: &queue,
            live_stats: &live,
            books: &books,
            pool_changes: changes_rx,
            stop,
        },
    )?;
    let recorder = open_recording(settings)?;

    // Which pools are followed, and discovery of more.
    let live_source = matches!(settings.source, cli::SourceArg::Yellowstone);
    let pool_control = Arc::new(pools::PoolControl::new(
        settings
            .live
            .as_ref()
            .map(|l| l.pools.clone())
            .unwrap_or_default(),
        live_source.then_some(changes_tx),
        link.clone(),
        hub.clone(),
    ));
    let (discovery_tx, discovery_task) =
        spawn_discovery(settings, &pool_control, &link, hub, stop)?;
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
        .map(|r| tokio::spawn(reload::on_hangup(r, stop.clone())));
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
                books.clone(),
                stats.clone(),
                stop.clone(),
            )))
        }
        _ => None,
    };

    let detector_config = detector::DetectorConfig {
        cex: settings.cex_costs,
        ..detector::DetectorConfig::default()
    };
    let pipeline = pipeline::Pipeline::new(
        detector_config,
        settings.prices,
        settings.tokens.clone(),
        hub.clone(),
    )
    .map_err(|e| MonitorError::Config(format!("detector: {e}")))?;
    let pipeline_stats = pipeline.stats.clone();
    let pipeline_task = tokio::task::spawn_blocking({
        let input = PipelineInput {
            queue: queue.clone(),
            books,
            replay,
            control: control_rx,
            recorder,
        };
        move || input.drive(pipeline)
    });

    let mut tasks = vec![source_task, pipeline_task];
    tasks.extend(
        [discovery_task, hangup_task, cex_task]
            .into_iter()
            .flatten(),
    );
    Ok(Ingest {
        source: source_status,
        live,
        cex: cex_stats,
        pipeline: pipeline_stats,
        queue,
        pools: pool_control,
        reload,
        tasks,
    })
}

/// What the pipeline's blocking thread reads from.
struct PipelineInput {
    queue: Arc<source::CoalescingQueue>,
    books: Arc<cex::BookInbox>,
    replay: Option<tokio::sync::mpsc::Receiver<source::replay::TimedBatch>>,
    control: std::sync::mpsc::Receiver<pipeline::Control>,
    recorder: Option<source::replay::Recorder<std::fs::File>>,
}

impl PipelineInput {
    /// Runs the pipeline until its input ends: the replay finishes or the queue closes.
    ///
    /// Live, prices never wait for detection: every batch is priced as soon as it is taken,
    /// and detection runs one pool at a time while nothing new waits. A replay processes each
    /// batch completely, so it gives the same messages every time.
    fn drive(mut self, mut pipeline: pipeline::Pipeline) {
        let handle = tokio::runtime::Handle::current();
        let live = self.replay.is_none();
        loop {
            let (batch, slot, clock) = match self.replay.as_mut() {
                Some(rx) => match rx.blocking_recv() {
                    Some(timed) => timed,
                    None => break,
                },
                None if pipeline.detection_pending() => {
                    if let Some((batch, slot)) = self.queue.try_pop_batch(4_096) {
                        (batch, slot, clock::BatchClock::wall())
                    } else if self.books.has_changes() {
                        pipeline.process_books(self.books.take(), clock::BatchClock::wall());
                        continue;
                    } else {
                        while let Ok(control) = self.control.try_recv() {
                            pipeline.control(control);
                        }
                        pipeline.detect_next();
                        continue;
                    }
                }
                None => {
                    let next = handle.block_on(async {
                        tokio::select! {
                            batch = self.queue.pop_batch(4_096) => Some(batch),
                            () = self.books.changed() => None,
                        }
                    });
                    match next {
                        Some(Some((batch, slot))) => (batch, slot, clock::BatchClock::wall()),
                        Some(None) => break,
                        None => {
                            pipeline.process_books(self.books.take(), clock::BatchClock::wall());
                            continue;
                        }
                    }
                }
            };
            while let Ok(control) = self.control.try_recv() {
                pipeline.control(control);
            }
            if batch.is_empty() && slot.is_none() {
                continue;
            }
            if let Some(rec) = self.recorder.as_mut()
                && !record(rec, &batch, slot, clock)
            {
                self.recorder = None;
            }
            if live {
                pipeline.price_at(batch, slot, clock);
                // The batch's prices are published and the connections that send them are
                // runnable. On a core shared with them, this thread would go straight on to
                // detection and keep the core until it blocks: `perf sched` showed the writers
                // waiting 0.6 to 0.9 ms for it in every 10 ms tick at 10,000 updates/s. A yield
                // lets the prices out first (a no-op when the writers have a core of their own).
                if pipeline.detection_pending() {
                    std::thread::yield_now();
                }
            } else {
                pipeline.process_at(batch, slot, clock);
            }
        }
        if let Some(Err(err)) = self.recorder.map(source::replay::Recorder::finish) {
            tracing::error!(%err, "recording could not be completed");
        }
    }
}

fn open_recording(
    settings: &Settings,
) -> Result<Option<source::replay::Recorder<std::fs::File>>, MonitorError> {
    let Some(path) = &settings.record else {
        return Ok(None);
    };
    let file = std::fs::File::create(path).map_err(|source| MonitorError::Record {
        path: path.clone(),
        source,
    })?;
    tracing::info!(path = %path.display(), "recording account updates");
    source::replay::Recorder::new(file)
        .map(Some)
        .map_err(|e| MonitorError::Record {
            path: path.clone(),
            source: std::io::Error::other(e),
        })
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
        .and_then(|()| rec.batch_end(at.now_us, at.unix_ms()));
    if let Err(err) = &result {
        tracing::error!(%err, "recording failed; it stops here and the monitor carries on");
    }
    result.is_ok()
}

type DiscoveryStart = (
    Option<watch::Sender<discovery::DiscoverySettings>>,
    Option<JoinHandle<()>>,
);

/// Starts rediscovery for a live source with an RPC endpoint (idle while there is nothing
/// to discover, so `SIGHUP` can add pairs later).
fn spawn_discovery(
    settings: &Settings,
    pools: &Arc<pools::PoolControl>,
    pipeline: &pools::PipelineLink,
    hub: &Arc<Hub>,
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
