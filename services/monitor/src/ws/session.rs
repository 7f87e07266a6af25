//! One connection's subscription: channels, pair and dex filters, and the per-channel
//! `seq` below which live messages are already covered by a snapshot or a replay.

use std::collections::BTreeSet;

use protocol::{Channel, ServerMessage, Subscription, SubscriptionAck, Timestamp};

/// A `subscribe` that would take the connection past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("subscription would hold {wanted} entries; the limit is {limit}")]
pub struct TooManySubscriptions {
    pub wanted: usize,
    pub limit: usize,
}

/// What a connection receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    channels: BTreeSet<Channel>,
    /// `None` is every pair.
    pairs: Option<BTreeSet<String>>,
    /// `None` is every dex.
    dexes: Option<BTreeSet<String>>,
    /// Live messages with `seq` at or below this were covered by a snapshot or replay.
    covered_through: [u64; 4],
    max_entries: usize,
}

impl Session {
    /// A new connection: every channel, no filter.
    pub fn new(max_entries: usize) -> Self {
        Self {
            channels: Channel::ALL.into_iter().collect(),
            pairs: None,
            dexes: None,
            covered_through: [0; 4],
            max_entries,
        }
    }

    pub fn channels(&self) -> Vec<Channel> {
        self.channels.iter().copied().collect()
    }

    fn entries(&self) -> usize {
        self.channels.len()
            + self.pairs.as_ref().map_or(0, BTreeSet::len)
            + self.dexes.as_ref().map_or(0, BTreeSet::len)
    }

    /// Applies a `subscribe`. Returns whether `prices` was requested (a snapshot follows).
    ///
    /// # Errors
    /// [`TooManySubscriptions`], with the subscription left unchanged.
    pub fn subscribe(&mut self, request: &Subscription) -> Result<bool, TooManySubscriptions> {
        let mut next = self.clone();
        next.channels.extend(request.channels.iter().copied());
        // An empty list adds nothing; it must not become a filter that matches nothing.
        if let Some(pairs) = request.pairs.as_ref().filter(|p| !p.is_empty()) {
            next.pairs
                .get_or_insert_with(BTreeSet::new)
                .extend(pairs.iter().cloned());
        }
        if let Some(dexes) = request.dexes.as_ref().filter(|d| !d.is_empty()) {
            next.dexes
                .get_or_insert_with(BTreeSet::new)
                .extend(dexes.iter().cloned());
        }
        let wanted = next.entries();
        if wanted > self.max_entries {
            return Err(TooManySubscriptions {
                wanted,
                limit: self.max_entries,
            });
        }
        *self = next;
        Ok(request.channels.contains(&Channel::Prices))
    }

    /// Applies an `unsubscribe`. Removing the last pair (or dex) of a filter removes the
    /// filter, as `docs/protocol.md` says.
    pub fn unsubscribe(&mut self, request: &Subscription) {
        for channel in &request.channels {
            self.channels.remove(channel);
        }
        fn remove(filter: &mut Option<BTreeSet<String>>, names: Option<&Vec<String>>) {
            if let (Some(set), Some(names)) = (filter.as_mut(), names) {
                for name in names {
                    set.remove(name);
                }
                if set.is_empty() {
                    *filter = None;
                }
            }
        }
        remove(&mut self.pairs, request.pairs.as_ref());
        remove(&mut self.dexes, request.dexes.as_ref());
    }

    /// The acknowledgement body: the subscription after the request.
    pub fn ack(&self, id: Option<protocol::RequestId>, timestamp: Timestamp) -> SubscriptionAck {
        SubscriptionAck {
            id,
            timestamp,
            channels: self.channels(),
            pairs: self.pairs.as_ref().map(|s| s.iter().cloned().collect()),
            dexes: self.dexes.as_ref().map(|s| s.iter().cloned().collect()),
        }
    }

    /// Whether a pool or opportunity on `pair` and these dexes passes the filters.
    pub fn matches(&self, pair: &str, dexes: &[&str]) -> bool {
        self.pairs.as_ref().is_none_or(|p| p.contains(pair))
            && self
                .dexes
                .as_ref()
                .is_none_or(|d| dexes.iter().any(|x| d.contains(*x)))
    }

    /// Whether a message passes the channel and content filters (not the `seq` cover).
    pub fn wants(&self, message: &ServerMessage) -> bool {
        let Some(channel) = message.channel() else {
            return true;
        };
        if !self.channels.contains(&channel) {
            return false;
        }
        match message {
            ServerMessage::PriceUpdate(p) => self.matches(&p.pair, &[&p.dex]),
            ServerMessage::Opportunity(o) => {
                let mut dexes: Vec<&str> = vec![&o.buy_dex, &o.sell_dex];
                dexes.extend(o.legs.iter().map(|l| l.dex.as_str()));
                self.matches(&o.pair, &dexes)
            }
            _ => true,
        }
    }

    /// Whether a live message is new to this connection: not covered by a snapshot or
    /// replay already sent.
    pub fn is_new(&self, channel: Channel, seq: u64) -> bool {
        seq > self.covered_through[channel.index()]
    }

    /// Marks a channel as covered through `seq` (a snapshot or replay was queued).
    pub fn cover(&mut self, channel: Channel, seq: u64) {
        let slot = &mut self.covered_through[channel.index()];
        *slot = (*slot).max(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(channels: &[Channel], pairs: Option<&[&str]>, dexes: Option<&[&str]>) -> Subscription {
        Subscription {
            id: None,
            channels: channels.to_vec(),
            pairs: pairs.map(|p| p.iter().map(|s| (*s).to_owned()).collect()),
            dexes: dexes.map(|d| d.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    #[test]
    fn a_new_session_gets_everything() {
        let s = Session::new(64);
        assert_eq!(s.channels(), Channel::ALL.to_vec());
        assert!(s.matches("SOL/USDC", &["orca"]));
    }

    #[test]
    fn filters_narrow_then_widen_back() {
        let mut s = Session::new(64);
        assert!(!s.subscribe(&sub(&[], Some(&["SOL/USDC"]), None)).unwrap());
        assert!(s.matches("SOL/USDC", &["orca"]));
        assert!(!s.matches("SOL/USDT", &["orca"]));
        s.subscribe(&sub(&[], None, Some(&["raydium"]))).unwrap();
        assert!(!s.matches("SOL/USDC", &["orca"]));
        assert!(s.matches("SOL/USDC", &["orca", "raydium"]), "any leg's dex");
        s.unsubscribe(&sub(&[], Some(&["SOL/USDC"]), Some(&["raydium"])));
        assert!(
            s.matches("BONK/SOL", &["meteora"]),
            "last entry removed: no filter"
        );
    }

    #[test]
    fn empty_lists_add_no_filter() {
        let mut s = Session::new(64);
        s.subscribe(&sub(&[Channel::Prices], Some(&[]), Some(&[])))
            .unwrap();
        assert!(s.matches("SOL/USDC", &["orca"]));
    }

    #[test]
    fn channels_come_and_go() {
        let mut s = Session::new(64);
        s.unsubscribe(&sub(&[Channel::Prices, Channel::Logs], None, None));
        assert_eq!(s.channels(), vec![Channel::Opportunities, Channel::Health]);
        assert!(s.subscribe(&sub(&[Channel::Prices], None, None)).unwrap());
        assert_eq!(s.channels().len(), 3);
    }

    #[test]
    fn the_limit_refuses_the_whole_request() {
        let mut s = Session::new(6);
        let before = s.clone();
        let err = s
            .subscribe(&sub(&[], Some(&["A/B", "C/D", "E/F"]), None))
            .unwrap_err();
        assert_eq!(
            err,
            TooManySubscriptions {
                wanted: 7,
                limit: 6
            }
        );
        assert_eq!(s, before);
    }

    #[test]
    fn covered_sequences_are_not_new() {
        let mut s = Session::new(64);
        s.cover(Channel::Prices, 10);
        s.cover(Channel::Prices, 5);
        assert!(!s.is_new(Channel::Prices, 10));
        assert!(s.is_new(Channel::Prices, 11));
        assert!(s.is_new(Channel::Logs, 1));
    }
}
