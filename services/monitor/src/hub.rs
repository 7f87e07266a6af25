//! The publish side: every `dexmon.v1` channel message goes through [`Hub::publish`], which
//! stamps the channel's next `seq`, encodes the message once, keeps what snapshots and REST
//! need (latest price per pool, open opportunities, latest health), and broadcasts the shared
//! bytes to every subscriber (the WebSocket connections). A bounded per-channel history, by
//! count and by age, serves `resume`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use protocol::{
    Channel, EncodedMessage, Health, Opportunity, OpportunityStatus, PriceUpdate, ServerMessage,
    Snapshot, Timestamp,
};
use tokio::sync::broadcast;

use crate::clock::{monotonic_us, unix_ms};

/// Log messages in a `logs` snapshot.
const SNAPSHOT_LOGS: usize = 100;

/// How much of each channel the hub keeps for `resume`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Most messages kept per channel.
    pub max_messages: usize,
    /// Oldest message kept, in microseconds.
    pub max_age_us: u64,
}

impl Default for HistoryLimits {
    fn default() -> Self {
        Self {
            max_messages: 10_000,
            max_age_us: 300_000_000,
        }
    }
}

/// What `resume` can recover for one channel.
#[derive(Debug)]
pub enum Recovery {
    /// Every message after the requested `seq`, in order (possibly none), and the channel's
    /// `seq` at that moment.
    Recovered {
        messages: Vec<Published>,
        to_seq: u64,
    },
    /// The history no longer reaches back far enough (or the epoch differs). The range the hub
    /// still holds is given for the `resumed` answer.
    Lost { from_seq: u64, to_seq: u64 },
}

/// A published message with its channel.
#[derive(Debug, Clone)]
pub struct Published {
    pub channel: Channel,
    pub seq: u64,
    pub message: EncodedMessage,
    /// When it was published, [`monotonic_us`], for the publish-to-write latency.
    pub published_us: u64,
    /// The JSON encoding, shared by every JSON connection's text frame.
    pub text: Option<bytes::Bytes>,
}

#[derive(Debug, Default)]
struct Latest {
    prices: HashMap<String, PriceUpdate>,
    opportunities: BTreeMap<String, Opportunity>,
    health: Option<Health>,
    /// Per channel: (published at µs, message), oldest first.
    history: [VecDeque<(u64, Published)>; 4],
}

/// Per-channel sequence numbers, shared encodings, and the latest state.
#[derive(Debug)]
pub struct Hub {
    seq: [AtomicU64; 4],
    sent: [AtomicU64; 4],
    tx: broadcast::Sender<Published>,
    latest: Mutex<Latest>,
    limits: HistoryLimits,
    /// Names the history `seq` counts in; `resume` recovers only within one epoch. Random per
    /// start for a single process; on an edge, derived from the JetStream streams.
    pub epoch: String,
}

/// What [`Hub::mirror`] did with a message that already has its `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mirrored {
    /// The next message of its channel.
    Applied,
    /// At or below the channel's `seq`: already applied, dropped.
    Duplicate,
    /// Messages between the channel's `seq` and this one were never seen. The history was
    /// cleared, so a `resume` from before the gap answers `recovered: false`.
    AfterGap { missing: u64 },
}

impl Hub {
    /// A hub whose broadcast buffer holds `capacity` messages for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        Self::with_history(capacity, HistoryLimits::default())
    }

    /// A hub with explicit history limits.
    pub fn with_history(capacity: usize, limits: HistoryLimits) -> Self {
        Self::with_epoch(capacity, limits, format!("{:016x}", rand::random::<u64>()))
    }

    /// A hub whose history is named `epoch` by someone else (an edge mirroring JetStream).
    pub fn with_epoch(capacity: usize, limits: HistoryLimits, epoch: String) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(16));
        Self {
            seq: Default::default(),
            sent: Default::default(),
            tx,
            latest: Mutex::new(Latest::default()),
            limits,
            epoch,
        }
    }

    fn latest(&self) -> MutexGuard<'_, Latest> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Subscribes to every published message.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.tx.subscribe()
    }

    /// The last `seq` published on a channel.
    pub fn seq(&self, channel: Channel) -> u64 {
        self.seq[channel.index()].load(Ordering::Acquire)
    }

    /// Messages published on a channel.
    pub fn published(&self, channel: Channel) -> u64 {
        self.sent[channel.index()].load(Ordering::Relaxed)
    }

    /// Publishes a `log` message on the logs channel.
    pub fn log(&self, level: protocol::LogLevel, message: &str, context: &[(&str, String)]) {
        let context = (!context.is_empty()).then(|| {
            context
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        });
        self.publish(ServerMessage::Log(protocol::LogMessage {
            seq: 0,
            timestamp: protocol::Timestamp::default(),
            level,
            message: message.to_owned(),
            context,
        }));
    }

    /// Stamps, encodes once, records and broadcasts a channel message. Control messages are
    /// not published here (they go to one connection).
    pub fn publish(&self, mut message: ServerMessage) -> Option<Published> {
        let channel = message.channel()?;
        let timestamp = Timestamp::from_unix_millis(unix_ms());
        // Sequence assignment and recording happen under the lock, so `seq` order is
        // publication order.
        let mut latest = self.latest();
        let seq = self.seq[channel.index()].fetch_add(1, Ordering::AcqRel) + 1;
        message.set_seq(seq);
        match &mut message {
            ServerMessage::PriceUpdate(p) => {
                p.timestamp = timestamp;
                latest.prices.insert(p.pool.clone(), p.clone());
            }
            ServerMessage::Opportunity(o) => {
                o.timestamp = timestamp;
                if o.status == OpportunityStatus::Close {
                    latest.opportunities.remove(&o.id);
                } else {
                    latest.opportunities.insert(o.id.clone(), o.clone());
                }
            }
            ServerMessage::Health(h) => {
                h.timestamp = timestamp;
                latest.health = Some(h.clone());
            }
            ServerMessage::Log(l) => l.timestamp = timestamp,
            _ => {}
        }
        let encoded = match EncodedMessage::new(message) {
            Ok(e) => e,
            Err(err) => {
                tracing::error!(%err, "message failed to encode");
                return None;
            }
        };
        Some(self.record(&mut latest, channel, seq, encoded))
    }

    /// Records and broadcasts a message that already carries its `seq` and timestamp: an
    /// edge applying what JetStream delivers. `json` is its JSON encoding as received.
    pub fn mirror(&self, channel: Channel, message: ServerMessage, json: bytes::Bytes) -> Mirrored {
        let Some(seq) = message.seq() else {
            return Mirrored::Duplicate;
        };
        let mut latest = self.latest();
        let current = self.seq(channel);
        if seq <= current {
            return Mirrored::Duplicate;
        }
        // An edge starts each channel where its stream begins (`start_at`), so even the
        // first message is checked for a gap.
        let outcome = if seq == current + 1 {
            Mirrored::Applied
        } else {
            latest.history[channel.index()].clear();
            Mirrored::AfterGap {
                missing: seq - current - 1,
            }
        };
        Self::keep_latest(&mut latest, &message);
        self.seq[channel.index()].store(seq, Ordering::Release);
        self.record(
            &mut latest,
            channel,
            seq,
            EncodedMessage::with_json(message, json),
        );
        outcome
    }

    /// Starts an empty channel's `seq` at `seq`: where the stream an edge follows begins (the
    /// message before its first retained one), so that its first message is no gap.
    pub fn start_at(&self, channel: Channel, seq: u64) {
        let _latest = self.latest();
        let _ = self.seq[channel.index()].fetch_max(seq, Ordering::AcqRel);
    }

    /// Moves a channel's `seq` past a message that cannot be applied (it could not be
    /// decoded): clients see a gap there and resume across it with `recovered: false`.
    pub fn skip_to(&self, channel: Channel, seq: u64) {
        let mut latest = self.latest();
        if seq > self.seq(channel) {
            self.seq[channel.index()].store(seq, Ordering::Release);
            latest.history[channel.index()].clear();
        }
    }

    /// Seeds the latest state (prices, open opportunities, health) from a message that is
    /// newer than what the hub holds for its key; used before an edge replays the history.
    pub fn seed_latest(&self, message: &ServerMessage) {
        Self::keep_latest(&mut self.latest(), message);
    }

    /// Keeps `message` as the latest of its key unless a newer one is already held.
    fn keep_latest(latest: &mut Latest, message: &ServerMessage) {
        let seq = message.seq().unwrap_or(0);
        match message {
            ServerMessage::PriceUpdate(p)
                if latest.prices.get(&p.pool).is_none_or(|held| held.seq < seq) =>
            {
                latest.prices.insert(p.pool.clone(), p.clone());
            }
            ServerMessage::Opportunity(o) => {
                if latest
                    .opportunities
                    .get(&o.id)
                    .is_some_and(|held| held.seq >= seq)
                {
                    return;
                }
                if o.status == OpportunityStatus::Close {
                    latest.opportunities.remove(&o.id);
                } else {
                    latest.opportunities.insert(o.id.clone(), o.clone());
                }
            }
            ServerMessage::Health(h)
                if latest.health.as_ref().is_none_or(|held| held.seq < seq) =>
            {
                latest.health = Some(h.clone());
            }
            _ => {}
        }
    }

    /// Appends to the channel's history and broadcasts, under the lock that orders `seq`.
    fn record(
        &self,
        latest: &mut Latest,
        channel: Channel,
        seq: u64,
        encoded: EncodedMessage,
    ) -> Published {
        let now = monotonic_us();
        let text = encoded.bytes(protocol::Codec::Json).ok();
        let published = Published {
            channel,
            seq,
            message: encoded,
            published_us: now,
            text,
        };
        let history = &mut latest.history[channel.index()];
        history.push_back((now, published.clone()));
        while history.len() > self.limits.max_messages
            || history
                .front()
                .is_some_and(|(at, _)| now.saturating_sub(*at) > self.limits.max_age_us)
        {
            history.pop_front();
        }
        self.sent[channel.index()].fetch_add(1, Ordering::Relaxed);
        // Sent under the lock so that subscribers see `seq` order, and a `resume` that reads
        // the history under the same lock knows exactly which messages are still in flight.
        // No subscribers is not an error: the state above still serves snapshots and REST.
        let _ = self.tx.send(published.clone());
        published
    }

    /// What a client that processed `after_seq` on `channel` in `epoch` missed.
    pub fn recover(&self, channel: Channel, epoch: &str, after_seq: u64) -> Recovery {
        let latest = self.latest();
        let to_seq = self.seq(channel);
        let history = &latest.history[channel.index()];
        let from_seq = history.front().map_or(to_seq + 1, |(_, p)| p.seq);
        // Recoverable when every message after `after_seq` is still held: the oldest held is
        // at most `after_seq + 1` (or nothing was missed at all).
        if epoch != self.epoch
            || after_seq > to_seq
            || (after_seq < to_seq && from_seq > after_seq + 1)
        {
            return Recovery::Lost { from_seq, to_seq };
        }
        let messages = history
            .iter()
            .filter(|(_, p)| p.seq > after_seq)
            .map(|(_, p)| p.clone())
            .collect();
        Recovery::Recovered { messages, to_seq }
    }

    /// The most recent `limit` messages of a channel still in history, oldest first.
    pub fn recent(&self, channel: Channel, limit: usize) -> Vec<Published> {
        let latest = self.latest();
        let history = &latest.history[channel.index()];
        history
            .iter()
            .skip(history.len().saturating_sub(limit))
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// The current state of `channel`, taken atomically with its `seq`, for the pairs and
    /// dexes `matches` accepts.
    pub fn snapshot(&self, channel: Channel, matches: &dyn Fn(&str, &[&str]) -> bool) -> Snapshot {
        let latest = self.latest();
        let mut snapshot = Snapshot {
            id: None,
            timestamp: Timestamp::from_unix_millis(unix_ms()),
            channel,
            seq: self.seq(channel),
            prices: None,
            opportunities: None,
            health: None,
            logs: None,
        };
        match channel {
            Channel::Prices => {
                let mut prices: Vec<PriceUpdate> = latest
                    .prices
                    .values()
                    .filter(|p| matches(&p.pair, &[&p.dex]))
                    .cloned()
                    .collect();
                prices.sort_by(|a, b| (&a.pair, &a.dex, &a.pool).cmp(&(&b.pair, &b.dex, &b.pool)));
                snapshot.prices = Some(prices);
            }
            Channel::Opportunities => {
                snapshot.opportunities = Some(
                    latest
                        .opportunities
                        .values()
                        .filter(|o| matches(&o.pair, &[&o.buy_dex, &o.sell_dex]))
                        .cloned()
                        .collect(),
                );
            }
            Channel::Health => snapshot.health.clone_from(&latest.health),
            Channel::Logs => {
                let history = &latest.history[Channel::Logs.index()];
                snapshot.logs = Some(
                    history
                        .iter()
                        .skip(history.len().saturating_sub(SNAPSHOT_LOGS))
                        .filter_map(|(_, p)| match p.message.message() {
                            ServerMessage::Log(l) => Some(l.clone()),
                            _ => None,
                        })
                        .collect(),
                );
            }
        }
        snapshot
    }

    /// Connected subscribers (WebSocket connections).
    pub fn subscriber_count(&self) -> usize {
        self.tx.receiver_count()
    }

    /// The latest price of every pool.
    pub fn prices(&self) -> Vec<PriceUpdate> {
        let mut prices: Vec<PriceUpdate> = self.latest().prices.values().cloned().collect();
        prices.sort_by(|a, b| (&a.pair, &a.dex, &a.pool).cmp(&(&b.pair, &b.dex, &b.pool)));
        prices
    }

    /// Forgets a pool's latest price, so that snapshots and REST stop offering it (the pool
    /// can no longer be priced). Clients already holding it are not told.
    pub fn withdraw_price(&self, pool: &str) -> bool {
        self.latest().prices.remove(pool).is_some()
    }

    /// Every open opportunity.
    pub fn open_opportunities(&self) -> Vec<Opportunity> {
        self.latest().opportunities.values().cloned().collect()
    }

    pub fn latest_health(&self) -> Option<Health> {
        self.latest().health.clone()
    }
}
