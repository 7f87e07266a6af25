//! Roles `ingest` and `edge`: the same parts as `all`, joined through NATS JetStream.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use protocol::{Channel, LogLevel, LogMessage, ServerMessage, Timestamp};
use tokio::sync::watch;

use super::{HUB_CAPACITY, Parts, ingest, ingest_state, reporters, ws_context};
use crate::config::nats::NatsSettings;
use crate::nats::{self, NodeState, layout::Layout, lease, mirror, publish};
use crate::{MonitorError, Settings, http, hub, pipeline, pools, source};

/// Role `ingest`: source ▸ pipeline ▸ hub ▸ JetStream, publishing only while it holds the
/// leader lease. Serves `/health`, `/ready` and `/metrics`.
pub(super) async fn ingest(
    settings: &Settings,
    nats_settings: &NatsSettings,
    stop: &watch::Receiver<bool>,
) -> Result<Parts, MonitorError> {
    // The hub's broadcast ring is the buffer toward NATS.
    let hub = Arc::new(hub::Hub::with_history(
        nats_settings.buffer,
        settings.history,
    ));
    let mut ingest = ingest::spawn(settings, &hub, stop)?;
    let connection = Arc::new(source::SourceStatus::new("nats"));
    let client = nats::connect(nats_settings, "ingest", connection, |_| {})
        .await
        .map_err(|e| MonitorError::Config(format!("nats.url: {e}")))?;
    // Two ingest nodes starting together both create the lease bucket; the loser's request
    // may go unanswered, so it asks briefly and looks again.
    let admin = async_nats::jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(2))
        .build(client.clone());
    let js = nats::jetstream(client, nats_settings);
    let layout = Layout::new(&nats_settings.stream_prefix);
    let leadership = Arc::new(lease::Leadership::new(&nats_settings.node));
    let publish_stats = Arc::new(publish::PublishStats::default());
    let node = NodeState::Ingest {
        leadership: leadership.clone(),
        publish: publish_stats.clone(),
    };
    let state = ingest_state(settings, &hub, &ingest, stop, Some(node));
    let mut tasks = std::mem::take(&mut ingest.tasks);
    tasks.extend(reporters(settings, &state, stop));
    let (hub2, settings2, mut stop2) = (hub.clone(), nats_settings.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        // The lease bucket exists once NATS has answered; until then the pipeline runs and
        // this node publishes nothing. The streams are the leader's to create (see
        // `Publisher`), so that two nodes never race to create them.
        let store = loop {
            match lease::bucket(&admin, &layout, &settings2).await {
                Ok(store) => break store,
                Err(err) => {
                    tracing::warn!(%err, "JetStream not ready; retrying in 1 s");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop2.wait_for(|s| *s) => return,
                    }
                }
            }
        };
        tracing::info!(bucket = %layout.lease_bucket(), "lease bucket ready");
        let lease_task = tokio::spawn(lease::run(
            store,
            settings2.clone(),
            leadership.clone(),
            stop2.clone(),
        ));
        publish::Publisher::new(
            js,
            layout,
            hub2,
            leadership,
            publish_stats,
            settings2.clone(),
        )
        .run(stop2)
        .await;
        let _ = lease_task.await;
    }));
    Ok(Parts::of_ingest(
        http::ops_router(state),
        hub,
        ingest,
        tasks,
    ))
}

/// Role `edge`: JetStream ▸ hub ▸ `/ws`, REST and the dashboard. Returns once every channel
/// has caught up with the streams.
pub(super) async fn edge(
    settings: &Settings,
    nats_settings: &NatsSettings,
    stop: &watch::Receiver<bool>,
) -> Result<Parts, MonitorError> {
    let connection = Arc::new(source::SourceStatus::new("nats"));
    let layout = Layout::new(&nats_settings.stream_prefix);
    let context: Arc<OnceLock<async_nats::jetstream::Context>> = Arc::default();
    // Bumped to make every follower recreate its consumer (see `mirror::Follower::run`).
    let restart = Arc::new(watch::Sender::new(0u64));
    let on_event = outage_logger(
        layout.clone(),
        nats_settings.node.clone(),
        context.clone(),
        restart.clone(),
    );
    let client = nats::connect(nats_settings, "edge", connection.clone(), on_event)
        .await
        .map_err(|e| MonitorError::Config(format!("nats.url: {e}")))?;
    let js = nats::jetstream(client, nats_settings);
    let _ = context.set(js.clone());

    let mut waiting = stop.clone();
    // The streams appear once an ingest node has created them; until then, wait.
    let (epoch, hub, targets) = loop {
        let attempt = async {
            let epoch = layout.epoch(&js).await?;
            let hub = Arc::new(hub::Hub::with_epoch(
                HUB_CAPACITY,
                nats_settings.retention,
                epoch.clone(),
            ));
            let targets = mirror::seed(&js, &layout, &hub).await?;
            Ok::<_, async_nats::Error>((epoch, hub, targets))
        };
        match attempt.await {
            Ok(ready) => break ready,
            Err(err) => {
                tracing::warn!(%err, "the streams are not there yet (an ingest node creates them); retrying in 1 s");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = waiting.wait_for(|s| *s) => {
                        return Err(MonitorError::Config("stopped before the streams appeared".into()));
                    }
                }
            }
        }
    };
    let stats = Arc::new(mirror::MirrorStats::default());
    let mut tasks = Vec::new();
    let mut caught_up = Vec::new();
    for channel in Channel::ALL {
        let (tx, rx) = watch::channel(false);
        caught_up.push(rx);
        let follower = mirror::Follower {
            js: js.clone(),
            layout: layout.clone(),
            channel,
            hub: hub.clone(),
            stats: stats.clone(),
        };
        tasks.push(tokio::spawn(follower.run(
            targets[channel.index()],
            tx,
            restart.subscribe(),
            stop.clone(),
        )));
    }
    for mut rx in caught_up {
        tokio::select! {
            _ = rx.wait_for(|c| *c) => {}
            _ = waiting.wait_for(|s| *s) => {
                return Err(MonitorError::Config("stopped while catching up".into()));
            }
        }
    }
    stats
        .caught_up
        .store(true, std::sync::atomic::Ordering::Release);
    tracing::info!(%epoch, seq = ?Channel::ALL.map(|c| hub.seq(c)), "edge caught up; serving");
    tasks.push(tokio::spawn(watch_streams(
        js,
        layout,
        StreamWatch {
            epoch: epoch.clone(),
            hub: hub.clone(),
            stats: stats.clone(),
            restart,
        },
        stop.clone(),
    )));

    let queue = Arc::new(source::CoalescingQueue::new(1));
    // An edge follows no pool list: `POST /api/pools` answers 409 (pools change on ingest).
    let (control, _) = std::sync::mpsc::channel();
    let pools = Arc::new(pools::PoolControl::new(
        [],
        None,
        pools::PipelineLink {
            control,
            queue: queue.clone(),
        },
        hub.clone(),
    ));
    let metrics = super::prometheus();
    tasks.push(super::metrics_upkeep(&metrics, stop));
    let state = http::AppState {
        started: Instant::now(),
        hub: hub.clone(),
        pipeline: Arc::new(pipeline::PipelineStats::default()),
        queue: queue.clone(),
        source: connection.clone(),
        live: Arc::default(),
        cex: None,
        ws: ws_context(settings, &hub, stop),
        metrics,
        pools: pools.clone(),
        stale_after: settings.stale_after,
        max_fallback: None,
        nats: Some(NodeState::Edge {
            mirror: stats,
            max_lag: nats_settings.max_lag,
        }),
    };
    Ok(Parts {
        router: http::router(state),
        hub,
        source: connection,
        live: Arc::default(),
        cex: None,
        pools,
        reload: None,
        queue,
        tasks,
    })
}

/// After an outage, the edge says so on the logs channel (through the stream, so every
/// edge's clients see it with one `seq`).
fn outage_logger(
    layout: Layout,
    node: String,
    context: Arc<OnceLock<async_nats::jetstream::Context>>,
    restart: Arc<watch::Sender<u64>>,
) -> impl Fn(async_nats::Event) + Send + Sync + 'static {
    let lost_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    move |event| {
        let mut lost = lost_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            async_nats::Event::Disconnected => {
                lost.get_or_insert_with(Instant::now);
            }
            async_nats::Event::Connected => {
                let (Some(since), Some(js)) = (lost.take(), context.get().cloned()) else {
                    return;
                };
                restart.send_modify(|n| *n += 1);
                let message = ServerMessage::Log(LogMessage {
                    seq: 0,
                    timestamp: Timestamp::from_unix_millis(crate::clock::unix_ms()),
                    level: LogLevel::Warning,
                    message: format!(
                        "edge {node} lost NATS for {} ms; its clients stayed connected and it resumed from the stream",
                        since.elapsed().as_millis()
                    ),
                    context: Some([("node".to_owned(), node.clone())].into_iter().collect()),
                });
                let subject = layout.edge_log_subject(&node);
                tokio::spawn(async move {
                    let Ok(payload) = protocol::encode_json(&message) else {
                        return;
                    };
                    // Right after a restart, JetStream may not have loaded the streams yet:
                    // retry until the stream acknowledges it.
                    for _ in 0..30 {
                        let acked = match js.publish(subject.clone(), payload.clone()).await {
                            Ok(ack) => match tokio::time::timeout(
                                Duration::from_secs(2),
                                ack.into_future(),
                            )
                            .await
                            {
                                Ok(Ok(_)) => true,
                                Ok(Err(err)) => {
                                    tracing::debug!(%err, "outage log not stored yet");
                                    false
                                }
                                Err(_) => false,
                            },
                            Err(err) => {
                                tracing::debug!(%err, "outage log not sent yet");
                                false
                            }
                        };
                        if acked {
                            tracing::info!(subject, "outage log published");
                            return;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    tracing::warn!("the outage log could not be published");
                });
            }
            _ => {}
        }
    }
}

/// What the stream watcher compares and tells.
struct StreamWatch {
    epoch: String,
    hub: Arc<hub::Hub>,
    stats: Arc<mirror::MirrorStats>,
    restart: Arc<watch::Sender<u64>>,
}

/// Every second: how far each channel is behind its stream (the lag `/ready` and
/// `/metrics` report), and a nudge to the followers when a channel's stream moved on while
/// nothing arrived on it for two seconds, twice in a row. Every five seconds: the epoch. Streams recreated under a
/// running edge make its history a different one (clients would see `seq` restart), so the
/// edge then reports not ready; the load balancer drains it and the operator restarts it.
async fn watch_streams(
    js: async_nats::jetstream::Context,
    layout: Layout,
    watch: StreamWatch,
    mut stop: watch::Receiver<bool>,
) {
    use std::sync::atomic::Ordering;
    let mut ticks = 0u64;
    // Per channel: consecutive ticks it was behind with nothing arriving.
    let mut stuck = [0u8; 4];
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        ticks += 1;
        if let Ok(last) = layout.last_sequences(&js).await {
            let now = crate::clock::monotonic_us();
            let mut nudge = false;
            for channel in Channel::ALL {
                let i = channel.index();
                let lag = last[i].saturating_sub(watch.hub.seq(channel));
                watch.stats.lag[i].store(lag, Ordering::Relaxed);
                let quiet_us =
                    now.saturating_sub(watch.stats.channel_message_us[i].load(Ordering::Relaxed));
                stuck[i] = if lag > 0 && quiet_us > 2_000_000 {
                    stuck[i].saturating_add(1)
                } else {
                    0
                };
                // Twice in a row, so that a message published just before the read does
                // not count.
                nudge |= stuck[i] >= 2;
            }
            if nudge {
                tracing::warn!(
                    ?last,
                    "a stream moved on and nothing arrived for 2 s; following again"
                );
                stuck = [0; 4];
                watch.restart.send_modify(|n| *n += 1);
            }
        }
        if ticks.is_multiple_of(5)
            && let Ok(now) = layout.epoch(&js).await
            && now != watch.epoch
        {
            tracing::error!(old = %watch.epoch, new = %now, "the streams were recreated: restart this edge");
            watch.stats.epoch_changed.store(true, Ordering::Release);
            return;
        }
    }
}
