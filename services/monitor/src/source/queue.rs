//! A bounded queue between a source and the pipeline that never blocks the source.
//!
//! Upstreams (a Geyser server above all) disconnect consumers that read too slowly, so the
//! reader must never wait for the pipeline. The queue holds at most one pending update per
//! account, latest wins: a burst of writes to one pool costs one slot, and the pipeline always
//! sees the newest state. When more distinct accounts are pending than the capacity, the
//! oldest pending one is dropped and counted (the next write to it brings it back).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use decoder::Pubkey;
use tokio::sync::Notify;

use super::AccountUpdate;

/// Counters of what the queue did with its input.
#[derive(Debug, Default)]
pub struct QueueStats {
    pub pushed: AtomicU64,
    /// Replaced by a newer write to the same account before the pipeline took it.
    pub coalesced: AtomicU64,
    /// Older than (or a duplicate of) the pending write to the same account.
    pub stale: AtomicU64,
    /// Dropped because more distinct accounts were pending than the capacity.
    pub overflowed: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    order: VecDeque<Pubkey>,
    pending: HashMap<Pubkey, AccountUpdate>,
    slot: Option<u64>,
    closed: bool,
    /// Wake the consumer once even with nothing pending (control messages beside the queue).
    woken: bool,
}

/// How many distinct accounts may wait between the source and the pipeline, by default.
pub const DEFAULT_CAPACITY: usize = 65_536;

/// A latest-wins, per-account queue with a fixed capacity.
#[derive(Debug)]
pub struct CoalescingQueue {
    inner: Mutex<Inner>,
    notify: Notify,
    capacity: usize,
    pub stats: QueueStats,
}

impl CoalescingQueue {
    /// A queue holding at most `capacity` distinct pending accounts (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            capacity: capacity.max(1),
            stats: QueueStats::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the map inconsistent (every mutation
        // is a single insert or remove), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds an update without waiting.
    pub fn push(&self, update: AccountUpdate) {
        let added = self.insert(&mut self.lock(), update);
        if added {
            self.notify.notify_one();
        }
    }

    /// Adds updates that arrived together without waiting, and wakes the consumer once: it
    /// then takes them as one batch instead of being woken by the first.
    pub fn push_all(&self, updates: impl IntoIterator<Item = AccountUpdate>) {
        let mut inner = self.lock();
        let mut added = false;
        for update in updates {
            added |= self.insert(&mut inner, update);
        }
        drop(inner);
        if added {
            self.notify.notify_one();
        }
    }

    /// Queues one update; false when it only replaced (or lost to) a pending one.
    fn insert(&self, inner: &mut Inner, update: AccountUpdate) -> bool {
        self.stats.pushed.fetch_add(1, Ordering::Relaxed);
        if let Some(existing) = inner.pending.get_mut(&update.pubkey) {
            if update.is_newer_than(existing) {
                *existing = update;
                self.stats.coalesced.fetch_add(1, Ordering::Relaxed);
            } else {
                self.stats.stale.fetch_add(1, Ordering::Relaxed);
            }
            return false;
        }
        if inner.pending.len() >= self.capacity
            && let Some(oldest) = inner.order.pop_front()
        {
            inner.pending.remove(&oldest);
            self.stats.overflowed.fetch_add(1, Ordering::Relaxed);
        }
        inner.order.push_back(update.pubkey);
        inner.pending.insert(update.pubkey, update);
        true
    }

    /// Records the newest slot seen (slot ticks are coalesced too).
    pub fn push_slot(&self, slot: u64) {
        let mut inner = self.lock();
        inner.slot = Some(inner.slot.map_or(slot, |s| s.max(slot)));
        drop(inner);
        self.notify.notify_one();
    }

    /// No more input: wakes the consumer, which drains what is left and then gets `None`.
    /// Makes the consumer's `pop_batch` return once, with an empty batch if nothing is
    /// pending, so it can look at work kept beside the queue (pipeline control messages).
    pub fn wake(&self) {
        self.lock().woken = true;
        self.notify.notify_one();
    }

    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_one();
    }

    /// Waits for input and takes up to `max` updates, oldest first, with the newest slot seen.
    /// `None` once the queue is closed and empty.
    pub async fn pop_batch(&self, max: usize) -> Option<(Vec<AccountUpdate>, Option<u64>)> {
        loop {
            {
                let mut inner = self.lock();
                if let Some(taken) = self.take_locked(&mut inner, max) {
                    return Some(taken);
                }
                if inner.closed {
                    return None;
                }
                if std::mem::take(&mut inner.woken) {
                    return Some((Vec::new(), None));
                }
            }
            self.notify.notified().await;
        }
    }

    /// Takes up to `max` updates if any (or a new slot) are pending, without waiting.
    pub fn try_pop_batch(&self, max: usize) -> Option<(Vec<AccountUpdate>, Option<u64>)> {
        let mut inner = self.lock();
        self.take_locked(&mut inner, max)
    }

    fn take_locked(
        &self,
        inner: &mut Inner,
        max: usize,
    ) -> Option<(Vec<AccountUpdate>, Option<u64>)> {
        if inner.order.is_empty() && inner.slot.is_none() {
            return None;
        }
        let take = max.min(inner.order.len());
        let mut batch = Vec::with_capacity(take);
        for _ in 0..take {
            if let Some(key) = inner.order.pop_front()
                && let Some(update) = inner.pending.remove(&key)
            {
                batch.push(update);
            }
        }
        let slot = inner.slot.take();
        if !inner.order.is_empty() {
            self.notify.notify_one();
        }
        Some((batch, slot))
    }

    /// Pending accounts now.
    pub fn len(&self) -> usize {
        self.lock().pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceKind;

    fn update(key: u8, slot: u64, write_version: Option<u64>) -> AccountUpdate {
        AccountUpdate {
            pubkey: Pubkey::new_from_array([key; 32]),
            owner: Pubkey::default(),
            data: bytes::Bytes::from(vec![key, slot as u8]),
            slot,
            write_version,
            received_at_us: 0,
            source: SourceKind::Simulator,
        }
    }

    #[tokio::test]
    async fn the_latest_write_per_account_wins() {
        let q = CoalescingQueue::new(10);
        q.push(update(1, 5, None));
        q.push(update(1, 7, None));
        q.push(update(1, 6, None)); // older: ignored
        q.push(update(2, 1, None));
        let (batch, _) = q.pop_batch(10).await.unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!((batch[0].pubkey.to_bytes()[0], batch[0].slot), (1, 7));
        assert_eq!(q.stats.coalesced.load(Ordering::Relaxed), 1);
        assert_eq!(q.stats.stale.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn writes_pushed_together_coalesce_the_same_way_and_are_taken_without_waiting() {
        let q = CoalescingQueue::new(10);
        assert!(q.try_pop_batch(10).is_none(), "nothing pending");
        q.push_all([
            update(1, 5, None),
            update(1, 7, None),
            update(1, 6, None),
            update(2, 1, None),
        ]);
        let (batch, _) = q.try_pop_batch(10).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!((batch[0].pubkey.to_bytes()[0], batch[0].slot), (1, 7));
        assert_eq!(q.stats.pushed.load(Ordering::Relaxed), 4);
        assert_eq!(q.stats.coalesced.load(Ordering::Relaxed), 1);
        assert_eq!(q.stats.stale.load(Ordering::Relaxed), 1);
        assert!(q.try_pop_batch(10).is_none());
    }

    #[tokio::test]
    async fn write_versions_order_writes_within_a_slot() {
        let q = CoalescingQueue::new(10);
        q.push(update(1, 5, Some(10)));
        q.push(update(1, 5, Some(9)));
        q.push(update(1, 5, Some(10))); // duplicate
        let (batch, _) = q.pop_batch(10).await.unwrap();
        assert_eq!(batch[0].write_version, Some(10));
        assert_eq!(q.stats.stale.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn overflow_drops_the_oldest_account_and_counts_it() {
        let q = CoalescingQueue::new(2);
        q.push(update(1, 1, None));
        q.push(update(2, 1, None));
        q.push(update(3, 1, None));
        let (batch, _) = q.pop_batch(10).await.unwrap();
        let keys: Vec<u8> = batch.iter().map(|u| u.pubkey.to_bytes()[0]).collect();
        assert_eq!(keys, vec![2, 3]);
        assert_eq!(q.stats.overflowed.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn close_drains_then_ends() {
        let q = CoalescingQueue::new(4);
        q.push(update(1, 1, None));
        q.push_slot(9);
        q.close();
        let (batch, slot) = q.pop_batch(10).await.unwrap();
        assert_eq!((batch.len(), slot), (1, Some(9)));
        assert!(q.pop_batch(10).await.is_none());
    }
}
