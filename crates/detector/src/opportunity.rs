//! What the detector reports, and its mapping onto the `dexmon.v1` `opportunity` message.

use protocol::{Costs, Leg, OpportunityStatus, OpportunityType, Timestamp, Timing};

/// One swap of an opportunity: on a pool, or on a centralized exchange's book.
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityLeg {
    /// The pool's address; all zeros for an exchange leg (see `cex_market`).
    pub pool: [u8; 32],
    /// `exchange:SYMBOL` (for example `binance:SOLUSDC`) for an exchange leg; `None` for a
    /// pool. It is the leg's `pool` on the wire.
    pub cex_market: Option<String>,
    /// `raydium`, `orca`, `meteora`, or the exchange (`binance`).
    pub dex: String,
    /// Symbol of the token sold.
    pub token_in: String,
    /// Symbol of the token bought.
    pub token_out: String,
    /// Sold, raw units of `token_in`.
    pub amount_in: u64,
    /// Bought, raw units of `token_out`, after every fee the venue charges.
    pub amount_out: u64,
}

/// The exchange side of a `cex_dex` opportunity, exactly as the book was walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CexTrade {
    /// The exchange, for example `binance`.
    pub venue: String,
    /// The exchange's symbol, for example `SOLUSDC`.
    pub symbol: String,
    /// `true` when the base is bought on the exchange (walking the asks), `false` when it is
    /// sold there (walking the bids).
    pub buy: bool,
    /// Base traded on the exchange, whole tokens ×10^8, before the taker fee.
    pub qty_e8: u64,
    /// Quote paid or received before the fee: `Σ price_e8 × qty_e8` over the levels walked,
    /// whole tokens ×10^16.
    pub notional_e16: u128,
    /// The taker fee, in the asset received (as the exchange charges it): base ×10^8 on a buy,
    /// quote ×10^16 on a sell; rounded up.
    pub taker_fee: u128,
    /// The transfer/inventory cost charged, raw units of the quote token; rounded up.
    pub transfer_cost: u64,
    /// Age of the book at the decision.
    pub book_age_us: u64,
}

/// A validated opportunity: exact amounts, and display figures derived from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// Stable for the opportunity's life.
    pub id: String,
    /// The strategy that found it.
    pub kind: OpportunityType,
    /// `BASE/QUOTE`, or `A/B/C` for a triangle.
    pub pair: String,
    /// Venue of the first leg.
    pub buy_dex: String,
    /// Venue of the last leg.
    pub sell_dex: String,
    /// Effective price of the buy leg, quote per base, fees included (display).
    pub buy_price: f64,
    /// Effective price of the sell leg, quote per base, fees included (display).
    pub sell_price: f64,
    /// Symbol of the token the trade starts and ends in; profits are in it.
    pub profit_token: String,
    /// Input of the first leg, raw units.
    pub input: u64,
    /// Output of the last leg, raw units.
    pub output: u64,
    /// `output − input − transaction cost` (and, for `cex_dex`, `− transfer cost`), raw
    /// units of the profit token.
    pub net_profit: i128,
    /// Transaction cost charged, raw units of the profit token.
    pub tx_cost: u64,
    /// `(output − input) / input`, percent.
    pub gross_profit_percent: f64,
    /// `net_profit / input`, percent.
    pub net_profit_percent: f64,
    /// `input` in whole units of the profit token.
    pub recommended_size: f64,
    /// 0 to 100; see the crate documentation.
    pub confidence: u8,
    /// Costs in whole quote units (display). For `cex_dex`, `dex_fees` includes the
    /// exchange's taker fee; the transfer cost is in [`CexTrade::transfer_cost`].
    pub costs: Costs,
    /// Filled by the detector from the inputs' times: decision time minus the triggering
    /// update's arrival, oldest leg's age, and the legs' slot spread.
    pub timing: Timing,
    /// Its swaps, in order.
    pub legs: Vec<OpportunityLeg>,
    /// `cex_dex` only: the exchange side.
    pub cex: Option<CexTrade>,
}

/// An opportunity's lifecycle event.
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityEvent {
    /// Opened, updated or closed.
    pub status: OpportunityStatus,
    /// The opportunity as it stands (as it last stood, on close).
    pub opportunity: Opportunity,
}

fn short(address: &[u8; 32]) -> String {
    address.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

impl OpportunityEvent {
    /// The `dexmon.v1` message for this event. `encode_address` turns a pool address into its
    /// wire form (base58 in the monitor); the detector has no Solana dependency. An exchange
    /// leg's `pool` is its `exchange:SYMBOL`.
    pub fn to_message(
        &self,
        seq: u64,
        timestamp: Timestamp,
        encode_address: impl Fn(&[u8; 32]) -> String,
    ) -> protocol::Opportunity {
        let o = &self.opportunity;
        protocol::Opportunity {
            seq,
            timestamp,
            id: o.id.clone(),
            status: self.status,
            opportunity_type: o.kind,
            pair: o.pair.clone(),
            buy_dex: o.buy_dex.clone(),
            sell_dex: o.sell_dex.clone(),
            buy_price: o.buy_price,
            sell_price: o.sell_price,
            gross_profit_percent: o.gross_profit_percent,
            net_profit_percent: o.net_profit_percent,
            recommended_size: o.recommended_size,
            confidence: o.confidence,
            costs: o.costs.clone(),
            timing: o.timing.clone(),
            legs: o
                .legs
                .iter()
                .map(|l| Leg {
                    pool: l
                        .cex_market
                        .clone()
                        .unwrap_or_else(|| encode_address(&l.pool)),
                    dex: l.dex.clone(),
                    token_in: l.token_in.clone(),
                    token_out: l.token_out.clone(),
                    amount_in: l.amount_in,
                    amount_out: l.amount_out,
                })
                .collect(),
        }
    }
}

/// A short, stable label for a pool in ids.
pub(crate) fn pool_label(address: &[u8; 32]) -> String {
    short(address)
}
