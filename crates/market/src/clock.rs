//! The time a quote is for. The crate reads no clock: callers pass one.

/// The chain time a quote is computed at.
///
/// - `epoch` picks the Token-2022 transfer fee in force (older or newer schedule);
/// - `unix_timestamp` drives the fees that decay with time (Orca's adaptive fee, Raydium
///   CLMM's dynamic fee, Meteora DLMM's variable fee) and trading start times;
/// - `slot` is carried for callers that key quotes by slot.
///
/// ```
/// let clock = market::QuoteClock { slot: 300_000_000, epoch: 700, unix_timestamp: 1_750_000_000 };
/// assert_eq!(clock.epoch, 700);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QuoteClock {
    /// The slot the quote is for.
    pub slot: u64,
    /// The epoch the quote is for.
    pub epoch: u64,
    /// Unix seconds, as the chain's `Clock` sysvar reports them.
    pub unix_timestamp: i64,
}

impl QuoteClock {
    /// Unix seconds as unsigned (the programs that decay fees use `u64` time); a time before
    /// 1970 reads as 0.
    pub fn unix_seconds(&self) -> u64 {
        u64::try_from(self.unix_timestamp).unwrap_or(0)
    }
}
