//! Merges the account updates of several streams, and RPC reads, into one flow that never
//! repeats a write and never lets an older state replace a newer one.
//!
//! - Every stream follows the same accounts, so each write normally arrives once per stream.
//!   The newest (slot, write version) per account wins.
//! - A write version orders writes within one validator only: two providers run two
//!   validators. So the write version is compared only between updates of the same origin;
//!   across origins the slot decides, and at equal slots the first arrival is kept.
//! - An RPC read counts as the start of its slot: a stream write in the same slot replaces it.
//! - What is handed on carries a write version of the merge's own (a counter), so the
//!   queue's and the pipeline's (slot, write version) ordering agrees with the merge's,
//!   whichever stream a write came from.
//! - When a second stream delivers an account's state at a slot another stream already
//!   delivered, that is a race the first one won, by the difference in arrival time: the
//!   figure traders use to compare providers. Races are kept per (account, slot) for the
//!   last [`RACE_WINDOW_SLOTS`] slots, apart from the newest state: by the time the slower
//!   copy of slot N arrives, the faster stream may already have delivered N + 1.

use std::collections::HashMap;

use decoder::Pubkey;

use super::AccountUpdate;

/// Where an update came from: a stream (its endpoint's index) or an RPC read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Stream(usize),
    Rpc,
}

/// Whether an update is handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Fresh,
    /// The same write again: a replay after a resume, or another stream's copy.
    Duplicate,
    /// Older than what was already handed on.
    Older,
}

/// A write delivered by two streams: who had it first and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Race {
    pub winner: usize,
    pub loser: usize,
    pub lead_us: u64,
}

/// How far back (in slots) a slower stream's copy still counts as a race.
pub const RACE_WINDOW_SLOTS: u64 = 150;

/// The newest state handed on for one account.
#[derive(Debug, Clone, Copy)]
struct Newest {
    slot: u64,
    origin: Origin,
    /// The origin's own write version (0 for RPC).
    write_version: u64,
}

/// The first stream to deliver an account at a slot.
#[derive(Debug, Clone, Copy)]
struct First {
    stream: usize,
    at_us: u64,
    /// Streams already counted for this (account, slot), a bit per index.
    counted: u64,
}

/// The merge state: newest position per account, recent races, the write-version counter.
#[derive(Debug, Default)]
pub struct Merge {
    newest: HashMap<Pubkey, Newest>,
    firsts: HashMap<(Pubkey, u64), First>,
    highest_slot: u64,
    sequence: u64,
}

impl Merge {
    /// Decides whether `update` is handed on. A fresh update gets the merge's write version.
    pub fn admit(
        &mut self,
        update: &mut AccountUpdate,
        origin: Origin,
    ) -> (Admission, Option<Race>) {
        let write_version = update.write_version.unwrap_or(0);
        let arrived = Newest {
            slot: update.slot,
            origin,
            write_version,
        };
        let admission = match self.newest.get_mut(&update.pubkey) {
            None => {
                self.newest.insert(update.pubkey, arrived);
                Admission::Fresh
            }
            Some(held) => Self::compare(held, arrived),
        };
        let race = match origin {
            Origin::Stream(stream) => self.race(update, stream),
            Origin::Rpc => None,
        };
        if admission == Admission::Fresh {
            self.sequence += 1;
            update.write_version = Some(self.sequence);
        }
        (admission, race)
    }

    fn compare(held: &mut Newest, arrived: Newest) -> Admission {
        if arrived.slot != held.slot {
            if arrived.slot < held.slot {
                return Admission::Older;
            }
            *held = arrived;
            return Admission::Fresh;
        }
        match (held.origin, arrived.origin) {
            (a, b) if a == b => match arrived.write_version.cmp(&held.write_version) {
                std::cmp::Ordering::Greater => {
                    held.write_version = arrived.write_version;
                    Admission::Fresh
                }
                std::cmp::Ordering::Equal => Admission::Duplicate,
                std::cmp::Ordering::Less => Admission::Older,
            },
            // An RPC read is the start of its slot; a stream write in it comes after.
            (Origin::Rpc, Origin::Stream(_)) => {
                *held = arrived;
                Admission::Fresh
            }
            (Origin::Stream(_), Origin::Rpc) => Admission::Older,
            // Another validator's copy of the same slot: the first arrival stays.
            (Origin::Stream(_), Origin::Stream(_)) | (Origin::Rpc, Origin::Rpc) => {
                Admission::Duplicate
            }
        }
    }

    /// Records which stream delivered (account, slot) first; a later stream's first copy is
    /// a race the first one won.
    fn race(&mut self, update: &AccountUpdate, stream: usize) -> Option<Race> {
        let bit = 1u64.checked_shl(u32::try_from(stream).ok()?)?;
        if update.slot.saturating_add(RACE_WINDOW_SLOTS) < self.highest_slot {
            return None;
        }
        if update.slot > self.highest_slot {
            self.highest_slot = update.slot;
            if self.firsts.len() > 4_096 {
                let oldest = self.highest_slot.saturating_sub(RACE_WINDOW_SLOTS);
                self.firsts.retain(|(_, slot), _| *slot >= oldest);
            }
        }
        let first = self
            .firsts
            .entry((update.pubkey, update.slot))
            .or_insert(First {
                stream,
                at_us: update.received_at_us,
                counted: bit,
            });
        if first.counted & bit != 0 {
            return None;
        }
        first.counted |= bit;
        Some(Race {
            winner: first.stream,
            loser: stream,
            lead_us: update.received_at_us.saturating_sub(first.at_us),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceKind;

    fn update(key: u8, slot: u64, write_version: Option<u64>, at_us: u64) -> AccountUpdate {
        AccountUpdate {
            pubkey: Pubkey::new_from_array([key; 32]),
            owner: Pubkey::default(),
            data: bytes::Bytes::new(),
            slot,
            write_version,
            received_at_us: at_us,
            source: SourceKind::Yellowstone,
        }
    }

    fn admit(m: &mut Merge, u: AccountUpdate, origin: Origin) -> Admission {
        let mut u = u;
        m.admit(&mut u, origin).0
    }

    #[test]
    fn one_stream_drops_replays_and_older_writes() {
        let mut m = Merge::default();
        let s = Origin::Stream(0);
        assert_eq!(
            admit(&mut m, update(1, 10, Some(5), 0), s),
            Admission::Fresh
        );
        assert_eq!(
            admit(&mut m, update(1, 10, Some(5), 0), s),
            Admission::Duplicate
        );
        assert_eq!(
            admit(&mut m, update(1, 10, Some(4), 0), s),
            Admission::Older
        );
        assert_eq!(admit(&mut m, update(1, 9, Some(9), 0), s), Admission::Older);
        assert_eq!(
            admit(&mut m, update(1, 10, Some(6), 0), s),
            Admission::Fresh
        );
        assert_eq!(
            admit(&mut m, update(2, 1, None, 0), Origin::Rpc),
            Admission::Fresh
        );
    }

    #[test]
    fn across_streams_the_slot_decides_and_a_tie_keeps_the_first() {
        let mut m = Merge::default();
        let (a, b) = (Origin::Stream(0), Origin::Stream(1));
        assert_eq!(
            admit(&mut m, update(1, 10, Some(900), 100), a),
            Admission::Fresh
        );
        // B's validator numbers writes lower; its copy of slot 10 is a race A won by 40 µs.
        let mut copy = update(1, 10, Some(3), 140);
        assert_eq!(
            m.admit(&mut copy, b),
            (
                Admission::Duplicate,
                Some(Race {
                    winner: 0,
                    loser: 1,
                    lead_us: 40
                })
            )
        );
        // Counted once per slot and stream.
        let mut again = update(1, 10, Some(4), 150);
        assert_eq!(m.admit(&mut again, b), (Admission::Duplicate, None));
        // A newer slot wins whatever its write version.
        assert_eq!(
            admit(&mut m, update(1, 11, Some(1), 200), b),
            Admission::Fresh
        );
        assert_eq!(
            admit(&mut m, update(1, 10, Some(901), 210), a),
            Admission::Older
        );
    }

    #[test]
    fn rpc_reads_start_their_slot() {
        let mut m = Merge::default();
        assert_eq!(
            admit(&mut m, update(1, 10, None, 0), Origin::Rpc),
            Admission::Fresh
        );
        assert_eq!(
            admit(&mut m, update(1, 10, Some(2), 0), Origin::Stream(0)),
            Admission::Fresh
        );
        assert_eq!(
            admit(&mut m, update(1, 10, None, 0), Origin::Rpc),
            Admission::Older
        );
    }

    /// A stream write numbered 0 in the slot an RPC read was taken at: the merge hands it on
    /// (a stream write comes after the read), and so must the queue, which would take the
    /// two raw positions, (slot, 0) and (slot, 0), for a duplicate.
    #[test]
    fn a_stream_write_after_a_read_of_its_slot_stays_newer_downstream() {
        let mut m = Merge::default();
        let mut read = update(1, 10, None, 0);
        let mut write = update(1, 10, Some(0), 1);
        assert_eq!(m.admit(&mut read, Origin::Rpc).0, Admission::Fresh);
        assert_eq!(m.admit(&mut write, Origin::Stream(0)).0, Admission::Fresh);
        assert!(write.is_newer_than(&read), "{read:?} then {write:?}");
    }

    /// Whatever the interleaving of two streams and RPC reads, every update handed on for an
    /// account is newer than the one before by the queue's and pipeline's own (slot, write
    /// version) order, and never repeats a (slot, origin, write version).
    #[test]
    fn what_is_handed_on_is_strictly_ordered_downstream() {
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let mut m = Merge::default();
        let mut last: Option<AccountUpdate> = None;
        let mut seen = std::collections::HashSet::new();
        for at in 0..5_000 {
            let slot = 100 + rng.random_range(0..20u64) + at / 250;
            let (origin, wv) = match rng.random_range(0..3) {
                0 => (Origin::Rpc, None),
                n => (
                    Origin::Stream(n - 1),
                    Some(rng.random_range(0..5u64) + 1_000 * n as u64),
                ),
            };
            let mut u = update(1, slot, wv, at);
            if m.admit(&mut u, origin).0 == Admission::Fresh {
                assert!(seen.insert((slot, origin, wv)), "handed on twice: {u:?}");
                if let Some(prev) = &last {
                    assert!(u.is_newer_than(prev), "{prev:?} then {u:?}");
                }
                last = Some(u);
            }
        }
    }
}
