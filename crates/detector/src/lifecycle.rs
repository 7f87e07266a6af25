//! An opportunity's life: open, update (only when it changed materially), close; and the
//! count of what validation refused.

use std::collections::BTreeMap;

use protocol::OpportunityStatus;

use crate::error::RejectReason;
use crate::input::PoolAddress;
use crate::opportunity::{Opportunity, OpportunityEvent};

/// An opportunity's identity: which strategy, on which pools, tokens or books. Ordered, so
/// iteration is deterministic; turned into the wire id only when an event is emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum OppKey {
    Spatial {
        buy: PoolAddress,
        sell: PoolAddress,
    },
    Statistical {
        p: PoolAddress,
        q: PoolAddress,
    },
    /// A triangle, walked forwards (`false`) or backwards from its start token.
    Triangular {
        triangle: usize,
        reverse: bool,
    },
    /// A pool against an exchange's book (by its stable index): buying on the pool and
    /// selling on the exchange (`dex_buys`), or the reverse.
    CexDex {
        book: usize,
        pool: PoolAddress,
        dex_buys: bool,
    },
}

#[derive(Debug)]
pub(crate) struct OpenOpportunity {
    pub(crate) first_seen_us: u64,
    pub(crate) last: Opportunity,
}

/// A strategy's verdict on one candidate.
#[derive(Debug)]
pub(crate) enum Evaluation {
    Valid(Box<Opportunity>),
    /// Still valid (or within the close hysteresis) and not materially changed: nothing to
    /// emit, and nothing was built.
    Unchanged,
    Rejected(RejectReason),
}

/// Open opportunities and rejection counts.
#[derive(Debug, Default)]
pub(crate) struct Lifecycle {
    open: BTreeMap<OppKey, OpenOpportunity>,
    rejections: BTreeMap<RejectReason, u64>,
}

impl Lifecycle {
    #[inline]
    pub(crate) fn get(&self, key: &OppKey) -> Option<&OpenOpportunity> {
        self.open.get(key)
    }

    pub(crate) fn opportunities(&self) -> impl Iterator<Item = &Opportunity> {
        self.open.values().map(|o| &o.last)
    }

    pub(crate) fn rejections(&self) -> &BTreeMap<RejectReason, u64> {
        &self.rejections
    }

    /// Counts a refusal that closes nothing (a bad input rather than a candidate).
    #[inline]
    pub(crate) fn count(&mut self, reason: RejectReason) {
        *self.rejections.entry(reason).or_default() += 1;
    }

    /// Turns an evaluation into the event it causes. `id` names a valid opportunity.
    pub(crate) fn track(
        &mut self,
        key: OppKey,
        evaluation: Evaluation,
        id: impl FnOnce(&Opportunity) -> String,
        now_us: u64,
    ) -> Option<OpportunityEvent> {
        match evaluation {
            Evaluation::Unchanged => None,
            Evaluation::Valid(opp) => {
                let mut opp = *opp;
                opp.id = id(&opp);
                match self.open.get_mut(&key) {
                    None => {
                        opp.confidence = confidence_with_persistence(opp.confidence, 0);
                        self.open.insert(
                            key,
                            OpenOpportunity {
                                first_seen_us: now_us,
                                last: opp.clone(),
                            },
                        );
                        Some(OpportunityEvent {
                            status: OpportunityStatus::Open,
                            opportunity: opp,
                        })
                    }
                    Some(open) => {
                        // Valuation only builds a valid opportunity for an open id when it
                        // changed materially.
                        opp.confidence = confidence_with_persistence(
                            opp.confidence,
                            now_us.saturating_sub(open.first_seen_us),
                        );
                        open.last = opp.clone();
                        Some(OpportunityEvent {
                            status: OpportunityStatus::Update,
                            opportunity: opp,
                        })
                    }
                }
            }
            Evaluation::Rejected(reason) => {
                self.count(reason);
                self.close(&key)
            }
        }
    }

    /// Closes one opportunity, if open.
    #[inline]
    pub(crate) fn close(&mut self, key: &OppKey) -> Option<OpportunityEvent> {
        self.open.remove(key).map(|open| OpportunityEvent {
            status: OpportunityStatus::Close,
            opportunity: open.last,
        })
    }

    /// Closes every open opportunity `doomed` picks, in key order.
    pub(crate) fn close_where(
        &mut self,
        doomed: impl Fn(&OppKey, &Opportunity) -> bool,
    ) -> Vec<OpportunityEvent> {
        let keys: Vec<OppKey> = self
            .open
            .iter()
            .filter(|(key, o)| doomed(key, &o.last))
            .map(|(key, _)| *key)
            .collect();
        keys.iter().filter_map(|k| self.close(k)).collect()
    }
}

/// Whether a candidate differs materially from the open opportunity it would replace: its
/// net profit or size moved by more than `hysteresis`, or its legs' pools changed.
pub(crate) fn material(
    open: &OpenOpportunity,
    hysteresis: f64,
    net: i128,
    input: u64,
    pools: impl Iterator<Item = PoolAddress>,
) -> bool {
    let last = &open.last;
    let h = hysteresis;
    (net - last.net_profit).unsigned_abs() as f64 > h * last.net_profit.unsigned_abs().max(1) as f64
        || (input as f64 - last.input as f64).abs() > h * last.input.max(1) as f64
        || pools.ne(last.legs.iter().map(|l| l.pool))
}

/// Adds persistence: 20 points once an opportunity has stood for two seconds.
fn confidence_with_persistence(base: u8, open_for_us: u64) -> u8 {
    let persistence = (open_for_us as f64 / 2_000_000.0).min(1.0);
    (f64::from(base) + 20.0 * persistence)
        .round()
        .clamp(0.0, 100.0) as u8
}
