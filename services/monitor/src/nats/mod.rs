//! Roles `ingest` and `edge` on NATS JetStream.
//!
//! ```text
//! ingest (leader)  Hub ─▶ publish: stamp seq = last + 1, publish with
//!                          Nats-Expected-Last-Sequence = last ─▶ <PREFIX>_PRICES, _OPPORTUNITIES,
//!                                                                 _HEALTH, _LOGS (one stream per
//!                                                                 channel: stream seq = `seq`)
//!                                                     sourced ─▶ <PREFIX>_LATEST (last message per
//!                                                                 pool, opportunity and health)
//! ingest (follower) runs the same pipeline and publishes nothing until it holds the lease
//! lease             <PREFIX>_LEADER key-value bucket, one key, TTL = lease_ttl
//! edge              <PREFIX>_LATEST ─▶ Hub::seed_latest, then each channel stream ─▶
//!                   Hub::mirror (ordered consumers) ─▶ /ws, REST, dashboard
//! ```
//!
//! - [`layout`]: stream and subject names, stream creation, and the epoch.
//! - [`lease`]: which ingest node publishes.
//! - [`publish`]: the ingest side.
//! - [`mirror`]: the edge side.
//!
//! Why a stream per channel: a channel's `seq` must count 1, 2, 3 with no holes so that a
//! client can tell a gap; a stream's sequence does exactly that, and it is the same on every
//! edge, so a client can resume on any edge.

pub mod layout;
pub mod lease;
pub mod mirror;
pub mod publish;

use std::sync::Arc;
use std::time::Duration;

use crate::config::nats::NatsSettings;
use crate::source::SourceStatus;

/// Connects to NATS, retrying in the background for as long as the process runs. `status`
/// follows the connection: `connected`, or `reconnecting` while it is lost.
///
/// # Errors
/// The URL cannot be parsed.
pub async fn connect(
    settings: &NatsSettings,
    role: &str,
    status: Arc<SourceStatus>,
    on_event: impl Fn(async_nats::Event) + Send + Sync + 'static,
) -> Result<async_nats::Client, async_nats::ConnectError> {
    status.set(
        protocol::SourceState::Reconnecting,
        Some(format!("connecting to NATS at {}", settings.url)),
    );
    let events = status.clone();
    let on_event = Arc::new(on_event);
    async_nats::ConnectOptions::new()
        .name(format!("dexmon-{role}-{}", settings.node))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(2))
        // 0, 100, 200, 400 ms ... capped at 2 s: an outage shorter than the retention
        // window must end in a resume, so reconnecting promptly matters more than load.
        .reconnect_delay_callback(|attempt| {
            let exp = u32::try_from(attempt.min(6)).unwrap_or(6);
            Duration::from_millis(if attempt == 0 {
                0
            } else {
                100u64 << exp.saturating_sub(1)
            })
            .min(Duration::from_secs(2))
        })
        .event_callback(move |event| {
            let (status, on_event) = (events.clone(), on_event.clone());
            async move {
                match &event {
                    async_nats::Event::Connected => {
                        tracing::info!("NATS connected");
                        status.set(protocol::SourceState::Connected, None);
                    }
                    async_nats::Event::Disconnected => {
                        tracing::warn!("NATS connection lost; reconnecting");
                        status
                            .reconnects
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        status.set(
                            protocol::SourceState::Reconnecting,
                            Some("NATS connection lost".into()),
                        );
                    }
                    other => tracing::info!(event = %other, "NATS"),
                }
                on_event(event);
            }
        })
        // A comma-separated list names several servers of one cluster.
        .connect(
            settings
                .url
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect::<Vec<_>>(),
        )
        .await
}

/// A JetStream context whose publishes wait (instead of failing) when `max_in_flight`
/// acknowledgements are outstanding.
pub fn jetstream(
    client: async_nats::Client,
    settings: &NatsSettings,
) -> async_nats::jetstream::Context {
    async_nats::jetstream::ContextBuilder::new()
        // Stream creation on a three-replica cluster can take seconds.
        .timeout(Duration::from_secs(10))
        // The publisher caps what it has in flight itself; this cap is only a backstop,
        // and acknowledgements it stopped waiting for give their slot back within 5 s.
        .max_ack_inflight(settings.max_in_flight.saturating_mul(2))
        .ack_timeout(Duration::from_secs(5))
        .backpressure_on_inflight(true)
        .build(client)
}

/// A NATS role's state, for `/health`, `/ready` and `/metrics`.
#[derive(Debug, Clone)]
pub enum NodeState {
    Ingest {
        leadership: Arc<lease::Leadership>,
        publish: Arc<publish::PublishStats>,
    },
    Edge {
        mirror: Arc<mirror::MirrorStats>,
        max_lag: u64,
    },
}

/// The NATS part of `/health` and `/ready`.
#[derive(Debug, serde::Serialize)]
pub struct NodeReport {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caught_up: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed: Option<u64>,
}

impl NodeState {
    pub fn report(&self) -> NodeReport {
        use std::sync::atomic::Ordering::Relaxed;
        match self {
            Self::Ingest {
                leadership,
                publish,
            } => NodeReport {
                role: "ingest",
                leader: Some(leadership.is_leader()),
                degraded: Some(publish.degraded.load(Relaxed)),
                dropped: Some(publish.dropped.load(Relaxed)),
                lag: None,
                caught_up: None,
                missed: None,
            },
            Self::Edge { mirror, .. } => NodeReport {
                role: "edge",
                leader: None,
                degraded: None,
                dropped: None,
                lag: Some(mirror.max_lag()),
                caught_up: Some(mirror.caught_up.load(Relaxed)),
                missed: Some(mirror.missed.load(Relaxed)),
            },
        }
    }

    /// Why this node is not ready, if it is not.
    pub fn not_ready(&self) -> Option<String> {
        use std::sync::atomic::Ordering::Relaxed;
        match self {
            Self::Ingest { publish, .. } => publish.degraded.load(Relaxed).then(|| {
                "degraded: messages were lost on the way to NATS and the state is not yet republished"
                    .to_owned()
            }),
            Self::Edge { mirror, max_lag } => {
                let lag = mirror.max_lag();
                if mirror.epoch_changed.load(Relaxed) {
                    Some("the streams were recreated (a new epoch): restart this edge".to_owned())
                } else if !mirror.caught_up.load(Relaxed) {
                    Some("catching up with the streams".to_owned())
                } else if lag > *max_lag {
                    Some(format!("{lag} messages behind the stream (more than {max_lag})"))
                } else {
                    None
                }
            }
        }
    }

    /// Copies the figures into gauges at scrape time.
    pub fn export_metrics(&self) {
        #[allow(clippy::cast_precision_loss)]
        let set = |name: &'static str, value: u64| metrics::gauge!(name).set(value as f64);
        use std::sync::atomic::Ordering::Relaxed;
        match self {
            Self::Ingest {
                leadership,
                publish,
            } => {
                set("dexmon_nats_leader", u64::from(leadership.is_leader()));
                set(
                    "dexmon_nats_degraded",
                    u64::from(publish.degraded.load(Relaxed)),
                );
                metrics::counter!("dexmon_nats_elected_total")
                    .absolute(leadership.elected.load(Relaxed));
                metrics::counter!("dexmon_nats_deposed_total")
                    .absolute(leadership.deposed.load(Relaxed));
            }
            Self::Edge { mirror, .. } => {
                for channel in protocol::Channel::ALL {
                    metrics::gauge!("dexmon_edge_lag_messages", "channel" => channel.as_str())
                        .set(mirror.lag[channel.index()].load(Relaxed) as f64);
                }
                set(
                    "dexmon_edge_caught_up",
                    u64::from(mirror.caught_up.load(Relaxed)),
                );
                metrics::counter!("dexmon_edge_applied_total")
                    .absolute(mirror.applied.load(Relaxed));
                metrics::counter!("dexmon_edge_missed_total").absolute(mirror.missed.load(Relaxed));
                metrics::counter!("dexmon_edge_malformed_total")
                    .absolute(mirror.malformed.load(Relaxed));
                set(
                    "dexmon_edge_epoch_changed",
                    u64::from(mirror.epoch_changed.load(Relaxed)),
                );
            }
        }
    }
}
