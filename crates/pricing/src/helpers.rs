//! Model-independent helpers built on exact quotes: price impact, depth to a target price,
//! and pool value. Floats appear only in the results meant for display and statistics.

use crate::Result;
use crate::quote::{Direction, Price, SwapModel};

/// The price impact of selling `amount_in`: how much worse the effective price is than the
/// spot price, as a fraction (0.01 is 1%). Fees count as impact.
///
/// # Errors
/// As the model's quote.
pub fn price_impact<M: SwapModel + ?Sized>(
    model: &M,
    direction: Direction,
    amount_in: u64,
) -> Result<f64> {
    let quote = model.quote_exact_in(direction, amount_in)?;
    let spot = model.spot_price().to_f64_raw();
    if quote.amount_in == 0 || spot <= 0.0 {
        return Ok(0.0);
    }
    // B per A paid or received on this trade.
    let effective = match direction {
        Direction::AToB => quote.amount_out as f64 / quote.amount_in as f64,
        Direction::BToA => quote.amount_in as f64 / quote.amount_out.max(1) as f64,
    };
    Ok(match direction {
        Direction::AToB => 1.0 - effective / spot,
        Direction::BToA => effective / spot - 1.0,
    })
}

/// The smallest input that moves the pool's price by `move_fraction` (0.01 for 1%) in the
/// swap's direction: down for A→B, up for B→A. Found by bisection over exact quotes, so it is
/// exact to the unit. `None` when the known liquidity cannot move the price that far (the
/// quote stops partial before reaching it).
///
/// # Errors
/// As the model's quote.
pub fn input_to_move_price<M: SwapModel + ?Sized>(
    model: &M,
    direction: Direction,
    move_fraction: f64,
) -> Result<Option<u64>> {
    let spot = model.spot_price().to_f64_raw();
    let target = match direction {
        Direction::AToB => spot * (1.0 - move_fraction),
        Direction::BToA => spot * (1.0 + move_fraction),
    };
    // Some(true): this input reaches the target; Some(false): it does not, but more input
    // could; None: the known liquidity ends before the target.
    let reached = |amount: u64| -> Result<Option<bool>> {
        match model.quote_exact_in(direction, amount) {
            Ok(q) => {
                let after = q.price_after.to_f64_raw();
                let hit = match direction {
                    Direction::AToB => after <= target,
                    Direction::BToA => after >= target,
                };
                Ok(if hit {
                    Some(true)
                } else if q.is_complete() {
                    Some(false)
                } else {
                    None
                })
            }
            Err(crate::PricingError::ZeroAmount(_)) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    };
    // Grow until the target is reached, then bisect.
    let mut hi: u64 = 1;
    loop {
        match reached(hi)? {
            Some(true) => break,
            Some(false) if hi < u64::MAX / 2 => hi *= 2,
            _ => return Ok(None),
        }
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid)? == Some(true) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// Inputs needed to move the price by 1% and 2% each way: `[(down_1, up_1), (down_2, up_2)]`,
/// where "down" sells A and "up" sells B.
///
/// # Errors
/// As the model's quote.
pub fn depth<M: SwapModel + ?Sized>(model: &M) -> Result<[(Option<u64>, Option<u64>); 2]> {
    Ok([
        (
            input_to_move_price(model, Direction::AToB, 0.01)?,
            input_to_move_price(model, Direction::BToA, 0.01)?,
        ),
        (
            input_to_move_price(model, Direction::AToB, 0.02)?,
            input_to_move_price(model, Direction::BToA, 0.02)?,
        ),
    ])
}

/// One of a pool's two tokens, in the order [`Direction`] uses: A is the first (Raydium's
/// coin / token 0, Orca's A, Meteora's X), B the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolToken {
    /// The pool's first token.
    A,
    /// The pool's second token.
    B,
}

/// The price of one `base` token in the pool's other token, from a B-per-A price (raw or
/// decimal-adjusted; the result is of the same kind): `b_per_a` itself when `base` is A, its
/// flip `1 / b_per_a` when `base` is B. For display and statistics.
///
/// ```rust
/// use pricing::helpers::{PoolToken, price_of};
///
/// assert_eq!(price_of(PoolToken::A, 4.0), 4.0);
/// assert_eq!(price_of(PoolToken::B, 4.0), 0.25);
/// ```
pub fn price_of(base: PoolToken, b_per_a: f64) -> f64 {
    match base {
        PoolToken::A => b_per_a,
        PoolToken::B => 1.0 / b_per_a,
    }
}

/// The value of a pool's reserves (raw units) in whole units of `quote`, at `price`:
/// `a · price + b` counted in B, `b / price + a` counted in A, adjusted for decimals. This is
/// the pool's liquidity as the monitor publishes it and the detector checks it. For display
/// and thresholds, not for quoting.
///
/// ```rust
/// use pricing::Price;
/// use pricing::helpers::{PoolToken, pool_value};
///
/// // 1 whole A (9 decimals) and 150 whole B (6 decimals), at 150 B per A.
/// let price = Price::Ratio { b: 150_000_000, a: 1_000_000_000 };
/// let in_b = pool_value(1_000_000_000, 150_000_000, &price, 9, 6, PoolToken::B);
/// let in_a = pool_value(1_000_000_000, 150_000_000, &price, 9, 6, PoolToken::A);
/// assert!((in_b - 300.0).abs() < 1e-9 && (in_a - 2.0).abs() < 1e-9);
/// ```
pub fn pool_value(
    reserve_a: u64,
    reserve_b: u64,
    price: &Price,
    decimals_a: u8,
    decimals_b: u8,
    quote: PoolToken,
) -> f64 {
    let a = reserve_a as f64 / 10f64.powi(i32::from(decimals_a));
    let b = reserve_b as f64 / 10f64.powi(i32::from(decimals_b));
    let b_per_a = price.to_f64(decimals_a, decimals_b);
    match quote {
        PoolToken::B => a * b_per_a + b,
        PoolToken::A => b / b_per_a + a,
    }
}

/// The exact value of `amounts` (raw token A, raw token B) in raw units of `quote`, at the
/// exact `price` (B per A): integer math throughout, rounded down, saturating at `u128::MAX`.
/// `None` when the price is zero and the value is asked in token A (no finite answer).
///
/// This is [`pool_value`] for decisions (liquidity floors, ranking pools): no floats.
pub fn pool_value_exact(amounts: [u64; 2], price: &Price, quote: PoolToken) -> Option<u128> {
    // amounts < 2^64 and prices < 2^256: every product fits in 512 bits.
    use ruint::aliases::U512;
    let [a, b] = amounts.map(U512::from);
    // price = num / 2^shift (Q64.64 and squared Q64.64), or num / den (reserves).
    let (num, den) = match *price {
        Price::Ratio { b: pb, a: pa } => (U512::from(pb), U512::from(pa)),
        Price::SqrtX64(s) => (U512::from(s) * U512::from(s), U512::ONE << 128usize),
        Price::X64(p) => (U512::from(p), U512::ONE << 64usize),
    };
    let value = match quote {
        PoolToken::B if den.is_zero() => return None,
        PoolToken::B => b + a * num / den,
        PoolToken::A if num.is_zero() => return None,
        PoolToken::A => a + b * den / num,
    };
    Some(u128::try_from(value).unwrap_or(u128::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AmmV4Params, AmmV4Pool, Vault};

    #[test]
    fn exact_value_matches_each_price_form() {
        // 2 A at 3 B per A plus 5 B: 11 B, or 11/3 A rounded down.
        let ratio = Price::Ratio { b: 3, a: 1 };
        assert_eq!(pool_value_exact([2, 5], &ratio, PoolToken::B), Some(11));
        assert_eq!(pool_value_exact([2, 5], &ratio, PoolToken::A), Some(3));
        // sqrt(4) = 2 in Q64.64 is a price of 4; 4 in Q64.64 is a price of 4.
        let sqrt = Price::SqrtX64(2u128 << 64);
        let x64 = Price::X64(4u128 << 64);
        for price in [sqrt, x64] {
            assert_eq!(pool_value_exact([10, 1], &price, PoolToken::B), Some(41));
            assert_eq!(pool_value_exact([10, 8], &price, PoolToken::A), Some(12));
        }
        assert_eq!(pool_value_exact([1, 1], &Price::X64(0), PoolToken::A), None);
        assert_eq!(
            pool_value_exact([1, 1], &Price::Ratio { b: 1, a: 0 }, PoolToken::B),
            None
        );
        // The largest amounts at the largest price saturate rather than wrap.
        let huge = Price::SqrtX64(u128::MAX);
        assert_eq!(
            pool_value_exact([u64::MAX, u64::MAX], &huge, PoolToken::B),
            Some(u128::MAX)
        );
    }

    proptest::proptest! {
        /// Never panics, and agrees with the float version where both are meaningful.
        #[test]
        fn exact_value_never_panics(a: u64, b: u64, p: u128, form in 0u8..3, q: bool) {
            let price = match form {
                0 => Price::Ratio { b: p, a: (p >> 3).max(1) },
                1 => Price::SqrtX64(p),
                _ => Price::X64(p),
            };
            let quote = if q { PoolToken::A } else { PoolToken::B };
            let _ = pool_value_exact([a, b], &price, quote);
        }
    }

    fn pool() -> AmmV4Pool {
        AmmV4Pool::new(AmmV4Params {
            vault_coin: Vault::new(1_000_000_000_000, 0),
            vault_pc: Vault::new(176_000_000_000, 0),
            swap_fee_numerator: 25,
            swap_fee_denominator: 10_000,
            coin_decimals: 9,
            pc_decimals: 6,
        })
        .unwrap()
    }

    #[test]
    fn impact_grows_with_size_and_includes_the_fee() {
        let p = pool();
        let tiny = price_impact(&p, Direction::AToB, 1_000_000).unwrap();
        let big = price_impact(&p, Direction::AToB, 100_000_000_000).unwrap();
        assert!((0.0025..0.0026).contains(&tiny), "{tiny}");
        assert!(big > tiny);
    }

    #[test]
    fn depth_is_the_smallest_input_that_moves_the_price() {
        let p = pool();
        let amount = input_to_move_price(&p, Direction::AToB, 0.01)
            .unwrap()
            .unwrap();
        let spot = p.spot_price().to_f64_raw();
        let at = p
            .quote_exact_in(Direction::AToB, amount)
            .unwrap()
            .price_after
            .to_f64_raw();
        let before = p
            .quote_exact_in(Direction::AToB, amount - 1)
            .unwrap()
            .price_after
            .to_f64_raw();
        assert!(at <= spot * 0.99 && before > spot * 0.99);
        // About 0.5% of the A reserve moves a constant-product price by 1%.
        assert!((4_000_000_000..6_000_000_000).contains(&amount), "{amount}");
    }

    #[test]
    fn pool_value_counts_both_sides() {
        let p = pool();
        let v = pool_value(
            p.reserve_coin,
            p.reserve_pc,
            &p.spot_price(),
            9,
            6,
            PoolToken::B,
        );
        assert!((v - 352_000.0).abs() < 1e-6, "{v}");
    }
}
