//! Typed pricing errors. Overflow is an error, never a panic or a silent wrap.

/// Why a quote could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// An intermediate value did not fit its integer type.
    #[error("arithmetic overflow in {0}")]
    Overflow(&'static str),
    /// A division by zero (an empty reserve, zero liquidity where it is required, ...).
    #[error("division by zero in {0}")]
    DivisionByZero(&'static str),
    /// The requested amount is zero, or the swap would pay out nothing (the program rejects both).
    #[error("zero amount: {0}")]
    ZeroAmount(&'static str),
    /// The pool cannot pay the requested output.
    #[error("insufficient liquidity: {0}")]
    InsufficientLiquidity(&'static str),
    /// A reserve is smaller than the fees the pool owes from it.
    #[error("reserve {reserve} is below the owed fees {owed}")]
    ReserveBelowOwedFees {
        /// The vault balance, raw units.
        reserve: u64,
        /// What the pool owes from it, raw units.
        owed: u64,
    },
    /// The pool uses a program feature this crate does not model yet; quoting it would be a
    /// guess, so it is refused.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// An input is outside what the program accepts (a tick, a price limit, a fee rate).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, PricingError>;
