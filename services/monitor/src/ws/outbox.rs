//! A connection's bounded outbound queue.
//!
//! Two lanes, because the two kinds of message need opposite treatment when a client falls
//! behind:
//! - prices are conflated per pool, latest wins: a slow client still converges to the current
//!   prices and the lane never holds more than one message per pool;
//! - everything else (opportunities, health, logs, control answers) is never dropped. When that
//!   lane overflows the connection is closed with 4008 ("slow consumer") and the client
//!   recovers with `resume`.
//!
//! The socket writer takes the reliable lane first, so a `snapshot` or `resumed` answer goes
//! out before the live prices that follow it.
//!
//! The connection's one task both fills and empties it, so it needs no lock and no wake-up.

use std::collections::VecDeque;

use indexmap::IndexMap;
use protocol::EncodedMessage;

/// A lane at most this large keeps its memory when emptied.
const SMALL_LANE: usize = 4;

/// Why the connection must end, and the close frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub code: u16,
    pub reason: &'static str,
}

impl Closing {
    /// Whether the close goes out at once, without what is still queued: for a slow consumer
    /// (its backlog is what it could not take) and for a client whose frames broke the
    /// protocol (1002, 1007, 1009: RFC 6455 fails such a connection).
    #[must_use]
    pub fn abandons_backlog(&self) -> bool {
        use protocol::close_code::{
            INVALID_PAYLOAD, MESSAGE_TOO_BIG, PROTOCOL_ERROR, SLOW_CONSUMER,
        };
        matches!(
            self.code,
            SLOW_CONSUMER | PROTOCOL_ERROR | INVALID_PAYLOAD | MESSAGE_TOO_BIG
        )
    }
}

/// An outbound message with its publication time (µs, monotonic), when it is a channel
/// message, for the publish-to-write latency.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message: EncodedMessage,
    pub published_us: Option<u64>,
    /// The JSON text payload when the hub prepared it (see [`crate::hub::Published::text`]).
    pub text: Option<bytes::Bytes>,
}

/// The reliable lane is full: the connection is now closing with 4008.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("outbound queue of {capacity} messages overflowed")]
pub struct Overflow {
    pub capacity: usize,
}

#[derive(Debug, Default)]
struct Lanes {
    prices: IndexMap<String, Outgoing>,
    reliable: VecDeque<Outgoing>,
    closing: Option<Closing>,
    conflated: u64,
    /// Per channel, the first and last `seq` handed to the writer.
    delivered: [Option<(u64, u64)>; 4],
}

/// The queue between a connection's fan-out and its socket writer.
#[derive(Debug)]
pub struct Outbox {
    lanes: Lanes,
    capacity: usize,
}

/// One take: messages to write, in order, then possibly the close frame.
#[derive(Debug, Default)]
pub struct Drained {
    pub messages: Vec<Outgoing>,
    pub closing: Option<Closing>,
}

impl Outbox {
    /// An outbox whose reliable lane holds at most `capacity` messages (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            lanes: Lanes::default(),
            capacity: capacity.max(1),
        }
    }

    /// Queues a pool's price, replacing any unsent price of the same pool. Returns whether an
    /// older one was replaced (conflated).
    pub fn push_price(&mut self, pool: &str, message: Outgoing) -> bool {
        let lanes = &mut self.lanes;
        if lanes.closing.is_some() {
            return false;
        }
        // The newer message goes to the back, so the lane stays in `seq` order.
        let replaced = lanes.prices.shift_remove(pool).is_some();
        lanes.prices.insert(pool.to_owned(), message);
        if replaced {
            lanes.conflated += 1;
        }
        replaced
    }

    /// Queues a message that must not be lost.
    ///
    /// # Errors
    /// [`Overflow`] when the lane is full; the outbox is then closing with 4008.
    pub fn push(&mut self, message: Outgoing) -> Result<(), Overflow> {
        let lanes = &mut self.lanes;
        if lanes.closing.is_some() {
            return Ok(());
        }
        if lanes.reliable.len() >= self.capacity {
            lanes.closing = Some(Closing {
                code: protocol::close_code::SLOW_CONSUMER,
                reason: "slow consumer",
            });
            return Err(Overflow {
                capacity: self.capacity,
            });
        }
        lanes.reliable.push_back(message);
        Ok(())
    }

    /// Drops unsent prices (a fresh snapshot supersedes them).
    pub fn clear_prices(&mut self) {
        self.lanes.prices.clear();
    }

    /// Keeps only the unsent prices `keep` accepts (the filters changed).
    pub fn retain_prices(&mut self, keep: impl Fn(&protocol::ServerMessage) -> bool) {
        self.lanes.prices.retain(|_, o| keep(o.message.message()));
    }

    /// Drops unsent messages of one channel from the reliable lane whose `seq` is at most
    /// `through` (a `resume` replays them in order instead).
    pub fn remove_through(&mut self, channel: protocol::Channel, through: u64) {
        self.remove_through_and_delivered(channel, through);
    }

    /// Like [`Self::remove_through`], and also returns the first and last `seq` of the channel
    /// already handed to the writer, so a replay can leave those out.
    pub fn remove_through_and_delivered(
        &mut self,
        channel: protocol::Channel,
        through: u64,
    ) -> Option<(u64, u64)> {
        let lanes = &mut self.lanes;
        lanes.reliable.retain(|o| {
            let m = o.message.message();
            m.channel() != Some(channel) || m.seq().is_none_or(|s| s > through)
        });
        lanes.delivered[channel.index()]
    }

    /// Asks the writer to send a close frame after what is already queued. The first reason
    /// wins.
    pub fn close(&mut self, code: u16, reason: &'static str) {
        if self.lanes.closing.is_none() {
            self.lanes.closing = Some(Closing { code, reason });
        }
    }

    /// Whether the connection is closing.
    pub fn is_closing(&self) -> bool {
        self.lanes.closing.is_some()
    }

    /// Prices replaced before they were sent, so far.
    pub fn conflated(&self) -> u64 {
        self.lanes.conflated
    }

    /// How many more messages the reliable lane takes before it overflows.
    pub fn reliable_room(&self) -> usize {
        self.capacity.saturating_sub(self.lanes.reliable.len())
    }

    /// Messages waiting, both lanes.
    pub fn len(&self) -> usize {
        self.lanes.prices.len() + self.lanes.reliable.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes up to `max` messages: the reliable lane first. A closing outbox still yields
    /// what was queued before the close, and the close itself once that is all out, except
    /// after a slow-consumer overflow, where the backlog is abandoned.
    pub fn take(&mut self, max: usize) -> Drained {
        let lanes = &mut self.lanes;
        let mut drained = Drained::default();
        let abandon = lanes
            .closing
            .as_ref()
            .is_some_and(Closing::abandons_backlog);
        if !abandon {
            while drained.messages.len() < max {
                match lanes.reliable.pop_front() {
                    Some(m) => drained.messages.push(m),
                    None => break,
                }
            }
            let room = max - drained.messages.len();
            let take = room.min(lanes.prices.len());
            drained
                .messages
                .extend(lanes.prices.drain(..take).map(|(_, m)| m));
        }
        for m in &drained.messages {
            let m = m.message.message();
            if let (Some(channel), Some(seq)) = (m.channel(), m.seq()) {
                let range = &mut lanes.delivered[channel.index()];
                *range = Some(range.map_or((seq, seq), |(first, _)| (first, seq)));
            }
        }
        if lanes.reliable.is_empty() && lanes.prices.is_empty() || abandon {
            drained.closing.clone_from(&lanes.closing);
        }
        // An emptied lane gives back what a burst (a snapshot's worth of prices, a replay)
        // made it grow to: an idle connection keeps no queue memory. Small lanes are kept, so
        // steady traffic does not reallocate.
        if lanes.reliable.is_empty() && lanes.reliable.capacity() > SMALL_LANE {
            lanes.reliable = VecDeque::new();
        }
        if lanes.prices.is_empty() && lanes.prices.capacity() > SMALL_LANE {
            lanes.prices = IndexMap::new();
        }
        drained
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{LogLevel, LogMessage, PriceUpdate, ServerMessage, Timestamp};

    fn price(pool: &str, seq: u64, value: f64) -> Outgoing {
        let m = ServerMessage::PriceUpdate(PriceUpdate {
            seq,
            timestamp: Timestamp::from_unix_millis(0),
            pair: "SOL/USDC".into(),
            dex: "orca".into(),
            pool_type: "whirlpool".into(),
            pool: pool.into(),
            price: value,
            liquidity: 1.0,
            slot: 1,
            last_update_ms: 0,
            update_received_us: None,
            bid: None,
            ask: None,
        });
        Outgoing {
            text: None,
            message: EncodedMessage::new(m).unwrap(),
            published_us: None,
        }
    }

    fn log(seq: u64) -> Outgoing {
        let m = ServerMessage::Log(LogMessage {
            seq,
            timestamp: Timestamp::from_unix_millis(0),
            level: LogLevel::Info,
            message: "x".into(),
            context: None,
        });
        Outgoing {
            text: None,
            message: EncodedMessage::new(m).unwrap(),
            published_us: None,
        }
    }

    fn seqs(d: &Drained) -> Vec<u64> {
        d.messages
            .iter()
            .filter_map(|m| m.message.message().seq())
            .collect()
    }

    #[test]
    fn prices_conflate_per_pool_and_reliable_messages_go_first() {
        let mut outbox = Outbox::new(8);
        assert!(!outbox.push_price("a", price("a", 1, 1.0)));
        assert!(!outbox.push_price("b", price("b", 2, 2.0)));
        assert!(outbox.push_price("a", price("a", 3, 3.0)));
        outbox.push(log(1)).unwrap();
        let d = outbox.take(10);
        assert_eq!(
            seqs(&d),
            vec![1, 2, 3],
            "log first, then prices in seq order"
        );
        assert_eq!(outbox.conflated(), 1);
        assert!(d.closing.is_none());
        assert!(outbox.is_empty());
    }

    #[test]
    fn overflowing_the_reliable_lane_closes_with_4008_and_abandons_the_backlog() {
        let mut outbox = Outbox::new(2);
        outbox.push(log(1)).unwrap();
        outbox.push(log(2)).unwrap();
        assert_eq!(outbox.push(log(3)), Err(Overflow { capacity: 2 }));
        let d = outbox.take(10);
        assert!(d.messages.is_empty());
        assert_eq!(d.closing.unwrap().code, 4008);
    }

    #[test]
    fn a_graceful_close_goes_out_after_what_was_queued() {
        let mut outbox = Outbox::new(8);
        outbox.push(log(1)).unwrap();
        outbox.close(1001, "server going away");
        let d = outbox.take(10);
        assert_eq!(seqs(&d), vec![1]);
        assert_eq!(d.closing.unwrap().code, 1001);
    }

    #[test]
    fn an_emptied_lane_gives_back_what_a_burst_grew_it_to() {
        let mut outbox = Outbox::new(1_000);
        for seq in 1..=100 {
            outbox.push(log(seq)).unwrap();
            outbox.push_price(&format!("p{seq}"), price(&format!("p{seq}"), seq, 1.0));
        }
        assert_eq!(outbox.take(150).messages.len(), 150);
        assert!(outbox.lanes.prices.capacity() >= 50, "not empty yet: kept");
        assert_eq!(outbox.take(150).messages.len(), 50);
        assert_eq!(outbox.lanes.reliable.capacity(), 0);
        assert_eq!(outbox.lanes.prices.capacity(), 0);
        // Steady traffic, a message at a time, keeps its small lane.
        outbox.push(log(101)).unwrap();
        outbox.take(10);
        assert!(outbox.lanes.reliable.capacity() > 0);
    }

    #[test]
    fn a_drain_is_bounded_and_resumable() {
        let mut outbox = Outbox::new(100);
        for seq in 1..=5 {
            outbox.push(log(seq)).unwrap();
        }
        assert_eq!(seqs(&outbox.take(3)), vec![1, 2, 3]);
        assert_eq!(seqs(&outbox.take(3)), vec![4, 5]);
    }

    #[test]
    fn resume_removes_queued_duplicates_of_one_channel_only() {
        let mut outbox = Outbox::new(100);
        outbox.push(log(4)).unwrap();
        outbox.push(log(5)).unwrap();
        outbox.push(log(6)).unwrap();
        outbox.remove_through(protocol::Channel::Logs, 5);
        outbox.remove_through(protocol::Channel::Opportunities, 100);
        assert_eq!(seqs(&outbox.take(10)), vec![6]);
    }
}
