//! Costing and validating a sized candidate: transaction cost at the market's SOL price, the
//! validation rules in order of cheapness, the close hysteresis, the display figures and the
//! confidence score.

use protocol::{Costs, Timing};

use crate::config::DetectorConfig;
use crate::error::RejectReason;
use crate::graph::Graph;
use crate::input::Mint;
use crate::lifecycle::{Evaluation, OpenOpportunity, material};
use crate::opportunity::{Opportunity, OpportunityLeg};
use crate::strategy::Candidate;

/// What the validation rules look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checks {
    pub(crate) net: i128,
    pub(crate) input: u64,
    pub(crate) age_us: u64,
    /// The age limit `age_us` is held to.
    pub(crate) max_age_us: u64,
    pub(crate) slot_delta: u64,
    /// Value of the smallest pool used, in whole quote units.
    pub(crate) min_value: f64,
    /// Profit-token raw units per lamport.
    pub(crate) lamport_price: f64,
}

/// The config and the graph, which costing reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Valuation<'a> {
    pub(crate) config: &'a DetectorConfig,
    pub(crate) graph: &'a Graph,
}

impl Valuation<'_> {
    /// The transaction cost of `legs` on-chain swaps in raw `profit_token` units, and the
    /// lamport price it used.
    pub(crate) fn tx_cost(
        &self,
        profit_token: &Mint,
        legs: u64,
    ) -> Result<(u64, f64), RejectReason> {
        let lamport_price = self
            .graph
            .sol_price_in(profit_token)
            .ok_or(RejectReason::NoSolPrice)?;
        let lamports = self.config.costs.lamports(legs);
        let tx_cost = (lamports as f64 * lamport_price)
            .ceil()
            .min(u64::MAX as f64) as u64;
        Ok((tx_cost, lamport_price))
    }

    /// The first validation rule a candidate breaks, if any.
    pub(crate) fn reject(&self, c: &Checks) -> Option<RejectReason> {
        let config = self.config;
        let min_abs = (config.min_profit_lamports as f64 * c.lamport_price).ceil() as i128;
        let bps_ok =
            c.net > 0 && c.net * 10_000 >= i128::from(config.min_profit_bps) * i128::from(c.input);
        if c.age_us > c.max_age_us {
            Some(RejectReason::StaleData)
        } else if c.slot_delta > config.max_slot_delta {
            Some(RejectReason::SlotMisaligned)
        } else if c.min_value < config.min_liquidity_quote {
            Some(RejectReason::LowLiquidity)
        } else if !bps_ok || c.net < min_abs {
            Some(RejectReason::BelowMinProfit)
        } else {
            None
        }
    }

    /// What to do before building anything: reject, stay quiet (unchanged, or within the
    /// close hysteresis), or `None` to build and emit. `changed` says whether the candidate
    /// differs materially from the open opportunity.
    pub(crate) fn gate(
        &self,
        reason: Option<RejectReason>,
        open: Option<&OpenOpportunity>,
        c: &Checks,
        changed: impl Fn(&OpenOpportunity) -> bool,
    ) -> Option<Evaluation> {
        match (reason, open) {
            (Some(RejectReason::BelowMinProfit), Some(open))
                if c.net > 0
                    && c.net as f64 * 10_000.0 / c.input.max(1) as f64
                        >= f64::from(self.config.min_profit_bps) * self.config.close_ratio
                    && !changed(open) =>
            {
                // Close hysteresis: still near the threshold, keep it open quietly.
                Some(Evaluation::Unchanged)
            }
            (Some(reason), _) => Some(Evaluation::Rejected(reason)),
            (None, Some(open)) if !changed(open) => Some(Evaluation::Unchanged),
            (None, _) => None,
        }
    }

    /// Common validation and costing of a sized candidate through pools. The cheap checks
    /// run first, and the opportunity's display figures are built only when there is
    /// something to emit.
    pub(crate) fn finish(
        &self,
        candidate: Candidate<'_>,
        open: Option<&OpenOpportunity>,
        now_us: u64,
    ) -> Evaluation {
        let Candidate {
            kind,
            name,
            profit_token,
            quote,
            sides,
            sized,
            trigger_at_us,
        } = candidate;
        let (tx_cost, lamport_price) = match self.tx_cost(&profit_token, sides.len() as u64) {
            Ok(cost) => cost,
            Err(reason) => return Evaluation::Rejected(reason),
        };
        let net = sized.profit - i128::from(tx_cost);
        let output = sized.legs.last().map_or(0, |l| l.amount_out);
        let unit = 10f64.powi(i32::from(self.graph.decimals(&profit_token)));

        let slot_max = sides.iter().map(|s| s.pool.slot).max().unwrap_or(0);
        let slot_min = sides.iter().map(|s| s.pool.slot).min().unwrap_or(0);
        let oldest = sides
            .iter()
            .map(|s| s.pool.received_at_us)
            .min()
            .unwrap_or(now_us);
        let checks = Checks {
            net,
            input: sized.input,
            age_us: now_us.saturating_sub(oldest),
            max_age_us: self.config.max_data_age_us,
            slot_delta: slot_max - slot_min,
            min_value: sides
                .iter()
                .map(|s| self.graph.pool_value(s.pool, &quote))
                .fold(f64::INFINITY, f64::min),
            lamport_price,
        };
        let pools = || sides.iter().map(|s| s.pool.address);
        let changed = |open: &OpenOpportunity| {
            material(
                open,
                self.config.update_hysteresis,
                net,
                sized.input,
                pools(),
            )
        };
        if let Some(early) = self.gate(self.reject(&checks), open, &checks, changed) {
            return early;
        }

        // Display figures.
        let first = &sides[0];
        let last = &sides[sides.len() - 1];
        let (first_leg, last_leg) = (sized.legs[0], sized.legs[sized.legs.len() - 1]);
        let d = |m: &Mint| 10f64.powi(i32::from(self.graph.decimals(m)));
        let buy_price = (first_leg.amount_in as f64 / d(&first.token_in()))
            / (first_leg.amount_out as f64 / d(&first.token_out())).max(f64::MIN_POSITIVE);
        let sell_price = (last_leg.amount_out as f64 / d(&last.token_out()))
            / (last_leg.amount_in as f64 / d(&last.token_in())).max(f64::MIN_POSITIVE);

        // Fees (exact, from the quotes) and slippage (the quote's shortfall from the marginal
        // price after fees), each leg valued back into the profit token through the trade's
        // own exchange rates.
        let mut fees = 0.0;
        let mut slippage = 0.0;
        let mut value_per_unit = 1.0; // profit-token units per unit of this leg's input
        for (side, leg) in sides.iter().zip(&sized.legs) {
            let (amount_in, amount_out) = (leg.amount_in as f64, leg.amount_out as f64);
            fees += leg.fee as f64 * value_per_unit;
            let ideal_out = amount_in * side.rate();
            if ideal_out > amount_out && leg.amount_out > 0 {
                slippage += (ideal_out - amount_out) / ideal_out * amount_in * value_per_unit;
            }
            if leg.amount_out > 0 {
                value_per_unit = amount_in * value_per_unit / amount_out;
            }
        }
        let to_quote = |raw: f64| self.in_quote(raw / unit, &profit_token, &quote);

        let mut opp = Opportunity {
            id: String::new(),
            kind,
            pair: name.resolve(self.graph),
            buy_dex: first.pool.dex.clone(),
            sell_dex: last.pool.dex.clone(),
            buy_price,
            sell_price,
            profit_token: self.graph.symbol(&profit_token),
            input: sized.input,
            output,
            net_profit: net,
            tx_cost,
            gross_profit_percent: sized.profit as f64 * 100.0 / sized.input as f64,
            net_profit_percent: net as f64 * 100.0 / sized.input as f64,
            recommended_size: sized.input as f64 / unit,
            confidence: 0,
            costs: Costs {
                dex_fees: to_quote(fees),
                slippage: to_quote(slippage),
                gas_jito: to_quote(tx_cost as f64),
            },
            timing: Timing {
                detection_latency_ms: now_us.saturating_sub(trigger_at_us) as f64 / 1_000.0,
                slot_delta: checks.slot_delta,
                data_freshness_ms: checks.age_us / 1_000,
                update_received_us: None,
            },
            legs: sides
                .iter()
                .zip(&sized.legs)
                .map(|(s, leg)| OpportunityLeg {
                    pool: s.pool.address,
                    cex_market: None,
                    dex: s.pool.dex.clone(),
                    token_in: self.graph.symbol(&s.token_in()),
                    token_out: self.graph.symbol(&s.token_out()),
                    amount_in: leg.amount_in,
                    amount_out: leg.amount_out,
                })
                .collect(),
            cex: None,
        };
        opp.confidence = confidence(self.config, &checks, to_quote(sized.input as f64));
        Evaluation::Valid(Box::new(opp))
    }

    /// `whole` units of `token` in whole units of `quote`, through a direct pair (0 when
    /// there is none).
    pub(crate) fn in_quote(&self, whole: f64, token: &Mint, quote: &Mint) -> f64 {
        if token == quote {
            whole
        } else {
            whole * self.graph.price_in(token, quote).unwrap_or(0.0)
        }
    }
}

/// The documented confidence score before persistence, 0 to 100:
/// 30% freshness (`1 − age / max_age`), 25% slot alignment (`1 − slot_delta / (max + 1)`),
/// 25% depth (`1 − size / (10% of the smallest pool's value)`); the last 20% is persistence,
/// added when the opportunity is tracked.
fn confidence(config: &DetectorConfig, c: &Checks, size_quote: f64) -> u8 {
    let freshness = 1.0 - (c.age_us as f64 / config.max_data_age_us as f64).min(1.0);
    let alignment = 1.0 - (c.slot_delta as f64 / (config.max_slot_delta + 1) as f64).min(1.0);
    score(freshness, alignment, depth(size_quote, c.min_value))
}

/// The depth component: `1 − size / (10% of the pool's value)`, 0.5 when the value is unknown.
pub(crate) fn depth(size_quote: f64, pool_value: f64) -> f64 {
    if pool_value.is_finite() && pool_value > 0.0 {
        1.0 - (size_quote / (0.1 * pool_value)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// 30 points of freshness, 25 of alignment and 25 of depth, each given as 0 to 1.
pub(crate) fn score(freshness: f64, alignment: f64, depth: f64) -> u8 {
    (100.0 * (0.30 * freshness + 0.25 * alignment + 0.25 * depth))
        .round()
        .clamp(0.0, 80.0) as u8
}
