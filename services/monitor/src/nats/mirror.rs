//! The edge side: JetStream into a local [`Hub`], which `/ws`, REST and the dashboard serve
//! exactly as in a single process.
//!
//! Start: the latest stream seeds the latest prices, open opportunities and health (so a
//! snapshot does not depend on how long the edge has been up), then one ordered consumer per
//! channel replays the retained window and follows the stream. [`Hub::mirror`] keeps each
//! message's stream sequence as its `seq`. The edge serves only once every channel has
//! caught up with the stream as it was at start.
//!
//! Ordered consumers are flow-controlled by their pull requests and recreate themselves after
//! a reconnect, a missed heartbeat or a sequence gap, from the last sequence seen, so an edge
//! that was cut off catches up from the stream. Messages that aged out of the stream while it
//! was away are a gap: counted, logged, and the channel's history cleared, so a `resume`
//! across it answers `recovered: false`. Nothing is skipped silently.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use protocol::{Channel, Codec, Opportunity, OpportunityStatus, ServerMessage};
use tokio::sync::watch;

use super::layout::Layout;
use crate::clock::monotonic_us;
use crate::hub::{Hub, Mirrored};

/// What the mirror has done, for `/ready`, `/health` and `/metrics`.
#[derive(Debug, Default)]
pub struct MirrorStats {
    /// Messages applied.
    pub applied: AtomicU64,
    /// Messages that could not be decoded (counted and skipped; the `seq` moves past them, a
    /// gap for clients).
    pub malformed: AtomicU64,
    /// Messages that aged out of a stream before this edge read them.
    pub missed: AtomicU64,
    /// Per channel: messages still to read in the stream.
    pub lag: [AtomicU64; 4],
    /// Set once every channel caught up with the stream as it was at start.
    pub caught_up: AtomicBool,
    /// When the last message arrived, [`monotonic_us`], on any channel and per channel.
    pub last_message_us: AtomicU64,
    pub channel_message_us: [AtomicU64; 4],
    /// The streams were recreated under this edge (a new epoch): it must restart.
    pub epoch_changed: AtomicBool,
}

impl MirrorStats {
    /// The largest lag over the channels.
    pub fn max_lag(&self) -> u64 {
        self.lag
            .iter()
            .map(|l| l.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0)
    }
}

/// How long reading the latest stream may wait for one message.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads every message of `filter` in the latest stream, one per subject.
async fn read_latest(
    js: &jetstream::Context,
    layout: &Layout,
    filter: Option<String>,
    mut each: impl FnMut(ServerMessage),
) -> Result<(), async_nats::Error> {
    let stream = js.get_stream(layout.latest_stream()).await?;
    // The latest stream copies the channel streams asynchronously: wait (briefly) until it
    // has caught up, so that what it says is at least as new as what was read before.
    let mut info = stream.get_info().await?;
    for _ in 0..40 {
        if info.sources.iter().all(|s| s.lag == 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        info = stream.get_info().await?;
    }
    if info.state.messages == 0 {
        return Ok(());
    }
    let last = info.state.last_sequence;
    let mut consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: filter.unwrap_or_default(),
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await?;
    // Nothing matches the filter: the consumer would wait for a message forever.
    if consumer.info().await?.num_pending == 0 {
        return Ok(());
    }
    let mut messages = consumer.messages().await?;
    loop {
        let message = tokio::time::timeout(READ_TIMEOUT, messages.next())
            .await
            .map_err(|_| "the latest stream stopped delivering")?;
        let Some(message) = message else {
            break;
        };
        let message = message?;
        let info = message.info()?;
        let (seq, pending) = (info.stream_sequence, info.pending);
        match protocol::decode_server(&message.payload, Codec::Json) {
            Ok(decoded) => each(decoded),
            Err(err) => tracing::warn!(%err, "malformed message in the latest stream"),
        }
        if pending == 0 || seq >= last {
            break;
        }
    }
    Ok(())
}

/// The opportunities the latest stream holds open.
///
/// # Errors
/// JetStream did not answer.
pub async fn open_opportunities(
    js: &jetstream::Context,
    layout: &Layout,
) -> Result<HashMap<String, Opportunity>, async_nats::Error> {
    let mut open = HashMap::new();
    read_latest(js, layout, Some(layout.opportunities_filter()), |m| {
        if let ServerMessage::Opportunity(o) = m
            && o.status != OpportunityStatus::Close
        {
            open.insert(o.id.clone(), o);
        }
    })
    .await?;
    Ok(open)
}

/// Seeds `hub` from the latest stream, starts each channel's `seq` where its stream begins,
/// and returns each stream's last sequence as it was before the seed: what the edge must
/// reach before it serves (0 for a stream with nothing retained: nothing to wait for).
///
/// # Errors
/// A stream is missing or JetStream did not answer.
pub async fn seed(
    js: &jetstream::Context,
    layout: &Layout,
    hub: &Hub,
) -> Result<[u64; 4], async_nats::Error> {
    let mut targets = [0; 4];
    for (channel, info) in Channel::ALL.into_iter().zip(layout.stream_infos(js).await?) {
        let state = &info.state;
        if state.messages == 0 {
            // Everything aged out: the next message is `last + 1`.
            hub.start_at(channel, state.last_sequence);
        } else {
            hub.start_at(channel, state.first_sequence.saturating_sub(1));
            targets[channel.index()] = state.last_sequence;
        }
    }
    let mut seeded = 0usize;
    read_latest(js, layout, None, |m| {
        hub.seed_latest(&m);
        seeded += 1;
    })
    .await?;
    tracing::info!(seeded, ?targets, "edge seeded from the latest stream");
    Ok(targets)
}

/// Re-reads one channel's latest state (after a gap, what aged out may have changed it).
async fn reseed(js: &jetstream::Context, layout: &Layout, hub: &Hub, channel: Channel) {
    if channel == Channel::Logs {
        return;
    }
    if let Err(err) = read_latest(js, layout, Some(layout.latest_filter(channel)), |m| {
        hub.seed_latest(&m);
    })
    .await
    {
        tracing::warn!(%err, channel = channel.as_str(), "cannot re-read the latest state after a gap");
    }
}

/// One channel's follower: where to read, where to apply.
#[derive(Debug, Clone)]
pub struct Follower {
    pub js: jetstream::Context,
    pub layout: Layout,
    pub channel: Channel,
    pub hub: Arc<Hub>,
    pub stats: Arc<MirrorStats>,
}

impl Follower {
    /// Follows the channel's stream into the hub until `stop`. `target` is the sequence that
    /// counts as caught up; `caught_up` is told once it is reached. Each change of `restart`
    /// (NATS reconnected, or the stream moved on while nothing arrived) recreates the
    /// consumer from the hub's `seq` + 1 at once, instead of waiting for the consumer's own
    /// missed-heartbeat recovery.
    pub async fn run(
        self,
        target: u64,
        caught_up: watch::Sender<bool>,
        mut restart: watch::Receiver<u64>,
        mut stop: watch::Receiver<bool>,
    ) {
        if target == 0 {
            let _ = caught_up.send(true);
        }
        let name = self.layout.stream(self.channel);
        loop {
            let Some(mut messages) = self.subscribe(&name, &mut stop).await else {
                return;
            };
            restart.borrow_and_update();
            loop {
                let next = tokio::select! {
                    next = messages.next() => Some(next),
                    changed = restart.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        None
                    }
                    _ = stop.wait_for(|s| *s) => return,
                };
                let Some(next) = next else {
                    tracing::info!(stream = %name, from = self.hub.seq(self.channel) + 1, "following the stream again");
                    break;
                };
                let message = match next {
                    Some(Ok(message)) => message,
                    // Not terminal: the consumer recreates itself and goes on.
                    Some(Err(err)) => {
                        tracing::debug!(%err, stream = %name, "ordered consumer recovering");
                        continue;
                    }
                    None => {
                        tracing::warn!(stream = %name, "the stream's consumer ended; following again");
                        break;
                    }
                };
                let Ok(info) = message.info() else {
                    continue;
                };
                let seq = info.stream_sequence;
                let now = monotonic_us();
                self.stats.last_message_us.store(now, Ordering::Relaxed);
                self.stats.channel_message_us[self.channel.index()].store(now, Ordering::Relaxed);
                let after_gap = apply(
                    &self.hub,
                    &self.stats,
                    self.channel,
                    seq,
                    message.payload.clone(),
                );
                if after_gap {
                    reseed(&self.js, &self.layout, &self.hub, self.channel).await;
                }
                if seq >= target && !*caught_up.borrow() {
                    let _ = caught_up.send(true);
                }
            }
        }
    }

    /// An ordered consumer from the hub's `seq` + 1 (the whole retained window at first).
    async fn subscribe(
        &self,
        name: &str,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<consumer::pull::Ordered> {
        loop {
            let attempt = async {
                let stream = self.js.get_stream(name).await?;
                let consumer = stream
                    .create_consumer(consumer::pull::OrderedConfig {
                        deliver_policy: match self.hub.seq(self.channel) {
                            0 => consumer::DeliverPolicy::All,
                            seq => consumer::DeliverPolicy::ByStartSequence {
                                start_sequence: seq + 1,
                            },
                        },
                        ..Default::default()
                    })
                    .await?;
                Ok::<_, async_nats::Error>(consumer.messages().await?)
            };
            match attempt.await {
                Ok(messages) => return Some(messages),
                Err(err) => {
                    tracing::warn!(%err, stream = %name, "cannot follow the stream; retrying in 1 s");
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                        _ = stop.wait_for(|s| *s) => return None,
                    }
                }
            }
        }
    }
}

/// Applies one stream message with its stream sequence as `seq`; true after a gap (the
/// latest state may have changed in what was missed).
fn apply(
    hub: &Hub,
    stats: &MirrorStats,
    channel: Channel,
    seq: u64,
    payload: bytes::Bytes,
) -> bool {
    let (message, json) = match protocol::decode_server(&payload, Codec::Json) {
        // The ingest stamped the stream sequence: the bytes are final.
        Ok(m) if m.seq() == Some(seq) => (m, payload),
        // Logs from edges (and anything else unstamped) get theirs here.
        Ok(mut m) if m.channel() == Some(channel) => {
            m.set_seq(seq);
            match protocol::encode_json(&m) {
                Ok(json) => (m, json),
                Err(_) => {
                    hub.skip_to(channel, seq);
                    return false;
                }
            }
        }
        Ok(_) | Err(_) => {
            stats.malformed.fetch_add(1, Ordering::Relaxed);
            // Skipped, not replaced: clients see a gap there and resume across it.
            tracing::warn!(
                channel = channel.as_str(),
                seq,
                "malformed message in the stream; skipped"
            );
            hub.skip_to(channel, seq);
            return false;
        }
    };
    match hub.mirror(channel, message, json) {
        Mirrored::Applied => {
            stats.applied.fetch_add(1, Ordering::Relaxed);
            false
        }
        Mirrored::Duplicate => false,
        Mirrored::AfterGap { missing } => {
            stats.missed.fetch_add(missing, Ordering::Relaxed);
            tracing::warn!(
                channel = channel.as_str(),
                seq,
                missing,
                "messages aged out of the stream before this edge read them; resume across them is not exact"
            );
            true
        }
    }
}
