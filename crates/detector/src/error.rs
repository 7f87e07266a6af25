//! Typed errors and rejection reasons.

/// A configuration field out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid detector config: {field} must be {reason}")]
pub struct ConfigError {
    /// The field, as `DetectorConfig` names it (`cex.taker_fee_bps` for a nested one).
    pub field: &'static str,
    /// What it must be.
    pub reason: &'static str,
}

/// Why an exchange book cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// The base and quote mints are the same.
    #[error("the book's base and quote mints are the same")]
    SameMint,
    /// A level has a zero price or quantity.
    #[error("{side} level {index} has a zero price or quantity")]
    ZeroLevel {
        /// `bids` or `asks`.
        side: &'static str,
        /// The level's position, best first.
        index: usize,
    },
    /// Levels are not best first (bids strictly falling, asks strictly rising).
    #[error("{side} level {index} is not worse than the one before it")]
    Unsorted {
        /// `bids` or `asks`.
        side: &'static str,
        /// The level's position, best first.
        index: usize,
    },
    /// The best bid is at or above the best ask.
    #[error("the book is crossed (best bid at or above best ask)")]
    Crossed,
}

/// Why a candidate opportunity was not reported. Reported so operators can see what the
/// validation refused, not only what it let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// Net profit below the minimum (bps or absolute).
    BelowMinProfit,
    /// A leg's pool is worth less than the minimum liquidity.
    LowLiquidity,
    /// The legs' pool states are too many slots apart.
    SlotMisaligned,
    /// A leg's data is older than the maximum age.
    StaleData,
    /// No SOL price is known in the profit token, so transaction costs cannot be charged.
    NoSolPrice,
    /// The exact quotes fail at every size (the program would reject the swaps), or an
    /// exchange book has no levels on the side needed.
    Unquotable,
    /// An exchange book is older than `cex.max_book_age_ms`: not traded against.
    StaleBook,
    /// An exchange book failed [`crate::CexBook::validate`]; it was dropped.
    InvalidBook,
}

impl RejectReason {
    /// The reason's snake_case name, for metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BelowMinProfit => "below_min_profit",
            Self::LowLiquidity => "low_liquidity",
            Self::SlotMisaligned => "slot_misaligned",
            Self::StaleData => "stale_data",
            Self::NoSolPrice => "no_sol_price",
            Self::Unquotable => "unquotable",
            Self::StaleBook => "stale_book",
            Self::InvalidBook => "invalid_book",
        }
    }
}
