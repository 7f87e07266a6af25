//! The publish side: every `dexmon.v1` channel message goes through [`Hub::publish`], which
//! stamps the channel's next `seq`, encodes the message once, keeps what snapshots and REST
//! need (latest price per pool, open opportunities, latest health), and broadcasts the shared
//! bytes to every subscriber (the WebSocket connections).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use protocol::{
    Channel, EncodedMessage, Health, Opportunity, OpportunityStatus, PriceUpdate, ServerMessage,
    Timestamp,
};
use tokio::sync::broadcast;

use crate::clock::unix_ms;

/// A published message with its channel.
#[derive(Debug, Clone)]
pub struct Published {
    pub channel: Channel,
    pub seq: u64,
    pub message: EncodedMessage,
}

#[derive(Debug, Default)]
struct Latest {
    prices: HashMap<String, PriceUpdate>,
    opportunities: BTreeMap<String, Opportunity>,
    health: Option<Health>,
}

/// Per-channel sequence numbers, shared encodings, and the latest state.
#[derive(Debug)]
pub struct Hub {
    seq: [AtomicU64; 4],
    sent: [AtomicU64; 4],
    tx: broadcast::Sender<Published>,
    latest: Mutex<Latest>,
    /// Random per start; `resume` recovers only within one epoch.
    pub epoch: String,
}

impl Hub {
    /// A hub whose broadcast buffer holds `capacity` messages for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(16));
        let epoch = format!("{:016x}", rand::random::<u64>());
        Self {
            seq: Default::default(),
            sent: Default::default(),
            tx,
            latest: Mutex::new(Latest::default()),
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
        let published = Published {
            channel,
            seq,
            message: encoded,
        };
        drop(latest);
        self.sent[channel.index()].fetch_add(1, Ordering::Relaxed);
        // No subscribers is not an error: the state above still serves snapshots and REST.
        let _ = self.tx.send(published.clone());
        Some(published)
    }

    /// The latest price of every pool.
    pub fn prices(&self) -> Vec<PriceUpdate> {
        let mut prices: Vec<PriceUpdate> = self.latest().prices.values().cloned().collect();
        prices.sort_by(|a, b| (&a.pair, &a.dex, &a.pool).cmp(&(&b.pair, &b.dex, &b.pool)));
        prices
    }

    /// Every open opportunity.
    pub fn open_opportunities(&self) -> Vec<Opportunity> {
        self.latest().opportunities.values().cloned().collect()
    }

    pub fn latest_health(&self) -> Option<Health> {
        self.latest().health.clone()
    }
}
