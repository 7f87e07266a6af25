//! Choosing the trade size: the input that maximises profit through the legs' exact quotes.
//!
//! Profit through a chain of swaps is unimodal in the input: each curve's marginal rate falls
//! as size grows. Where every leg is constant product the optimum has a closed form, used as
//! the starting point; otherwise a golden-section search over integer inputs brackets it. In
//! both cases the reported size and amounts are the exact integer quotes at the chosen input.

/// One leg's fill at a size: raw units of the leg's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leg {
    pub(crate) amount_in: u64,
    pub(crate) amount_out: u64,
    /// Fees charged, in the leg's input token.
    pub(crate) fee: u64,
}

/// Profit and each leg's fill at one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) profit: i128,
    pub(crate) legs: Vec<Leg>,
}

/// Exact profit at an input: `None` when a leg cannot be quoted or fills only partly.
pub(crate) type ProfitFn<'a> = dyn Fn(u64) -> Option<Outcome> + 'a;

/// The best input found and its exact outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sized {
    pub(crate) input: u64,
    pub(crate) profit: i128,
    /// Each leg's fill.
    pub(crate) legs: Vec<Leg>,
}

fn better(a: Option<Sized>, b: Option<Sized>) -> Option<Sized> {
    match (a, b) {
        (Some(a), Some(b)) => Some(
            if b.profit > a.profit || (b.profit == a.profit && b.input < a.input) {
                b
            } else {
                a
            },
        ),
        (a, b) => a.or(b),
    }
}

fn eval(f: &ProfitFn<'_>, input: u64) -> Option<Sized> {
    let input = input.max(1);
    f(input).map(|Outcome { profit, legs }| Sized {
        input,
        profit,
        legs,
    })
}

/// The optimum for a chain of constant-product legs, each `(reserve_in, reserve_out, 1 − fee)`.
///
/// One leg maps an input `q` to `γ·y·q / (x + γ·q)`, a Möbius map `a·q / (b + c·q)`; a chain of
/// them is again one, with `(a, b, c) = (a1·a2, b1·b2, b2·c1 + c2·a1)`. Profit `f(q) − q` peaks
/// where `f'(q) = 1`: `q* = (sqrt(a·b) − b) / c`. Floats only pick the starting point; the
/// exact quotes judge it.
pub(crate) fn constant_product_optimum(legs: &[(f64, f64, f64)]) -> Option<u64> {
    let (mut a, mut b, mut c) = (1.0f64, 1.0f64, 0.0f64);
    for &(x, y, g) in legs {
        let (a2, b2, c2) = (g * y, x, g);
        (a, b, c) = (a * a2, b * b2, b2 * c + c2 * a);
    }
    let q = ((a * b).sqrt() - b) / c;
    (q.is_finite() && q >= 1.0).then(|| q.min(u64::MAX as f64 / 4.0) as u64)
}

/// Where to start looking for the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// No closed form: bracket by growing the input, then search.
    None,
    /// The closed form of exactly constant-product legs: only integer rounding moves the
    /// optimum, so its neighbourhood is checked.
    Exact(u64),
    /// The closed form of an approximation (concentrated liquidity as virtual reserves):
    /// searched within a factor of two.
    Approximate(u64),
}

/// Maximises `f` over inputs in `[1, max_input]`.
pub(crate) fn optimise(f: &ProfitFn<'_>, max_input: u64, hint: Hint) -> Option<Sized> {
    match hint {
        Hint::Exact(h) => {
            let mut best = None;
            for delta in [0i64, -1, 1, -2, 2] {
                let x = (h as i64 + delta).clamp(1, max_input as i64) as u64;
                best = better(best, eval(f, x));
            }
            return best;
        }
        Hint::Approximate(h) => {
            let lo = (h / 2).max(1);
            let hi = h.saturating_mul(2).min(max_input).max(lo + 1);
            return golden(f, lo, hi, eval(f, h));
        }
        Hint::None => {}
    }
    // Find the smallest quotable input (tiny inputs can round to a zero output, which the
    // programs reject), then grow geometrically while profit rises, to bracket the optimum.
    let mut hi = 1u64;
    let mut prev = loop {
        if let Some(s) = eval(f, hi) {
            break s;
        }
        if hi >= max_input {
            return None;
        }
        hi = hi.saturating_mul(4).min(max_input);
    };
    loop {
        let next = hi.saturating_mul(4).min(max_input);
        if next == hi {
            break;
        }
        match eval(f, next) {
            Some(s) if s.profit >= prev.profit => {
                prev = s;
                hi = next;
            }
            _ => {
                hi = next;
                break;
            }
        }
    }
    golden(f, (hi / 16).max(1), hi, Some(prev))
}

/// Maximises `f` over `[lo, hi]` by golden-section search alone, for a profit known to be
/// unimodal there (and `None` only beyond where it can be quoted); `hi` itself is tried too.
pub(crate) fn search(f: &ProfitFn<'_>, lo: u64, hi: u64) -> Option<Sized> {
    let hi = hi.max(lo);
    golden(f, lo, hi, eval(f, hi))
}

/// Golden-section search for the best integer input in `[lo, hi]`.
fn golden(f: &ProfitFn<'_>, lo: u64, hi: u64, seed: Option<Sized>) -> Option<Sized> {
    const PHI: f64 = 0.618_033_988_749_894_9;
    let mut best = seed;
    let (mut a, mut b) = (lo as f64, hi as f64);
    for _ in 0..64 {
        if b - a < 2.0 {
            break;
        }
        let c = (b - (b - a) * PHI).round() as u64;
        let d = (a + (b - a) * PHI).round() as u64;
        let (fc, fd) = (eval(f, c), eval(f, d));
        let pc = fc.as_ref().map_or(i128::MIN, |s| s.profit);
        let pd = fd.as_ref().map_or(i128::MIN, |s| s.profit);
        best = better(better(best, fc), fd);
        if pc >= pd {
            b = d as f64;
        } else {
            a = c as f64;
        }
    }
    let start = a as u64;
    for x in start..=(b as u64).min(start + 2) {
        best = better(best, eval(f, x));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_a_unimodal_profit() {
        // profit(x) = 1000·x − x², maximum at 500.
        let f = |x: u64| -> Option<Outcome> {
            let x = i128::from(x);
            Some(Outcome {
                profit: 1000 * x - x * x,
                legs: vec![],
            })
        };
        let s = optimise(&f, 1_000_000, Hint::None).unwrap();
        assert_eq!(s.input, 500);
        assert_eq!(s.profit, 250_000);
    }

    #[test]
    fn closed_form_matches_the_calculus() {
        // Two identical pools mispriced 2:1, no fees: q* = sqrt(x1 y1 x2 y2) − x1 x2 over (x2 + y1).
        let q = constant_product_optimum(&[(1e6, 2e6, 1.0), (1e6, 1e6, 1.0)]).unwrap();
        let expected = ((1e6f64 * 2e6 * 1e6 * 1e6).sqrt() - 1e12) / (1e6 + 2e6);
        assert!((q as f64 - expected).abs() <= 1.0, "{q} vs {expected}");
    }
}
