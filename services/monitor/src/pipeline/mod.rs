//! The pipeline: decode ▸ state ▸ price ▸ detect ▸ publish, one batch of account updates at a
//! time.
//!
//! - state: [`market::Market`] keeps each account (newest wins) and routes it to the pools
//!   it belongs to; decode failures and out-of-order updates are counted and logged with the
//!   pubkey.
//! - model: [`market::Pool::snapshot`] turns a pool's accounts into a complete quoting state
//!   (decimals from its mints, transfer fees, oracle, bitmap extensions). A pool that cannot
//!   be quoted is reported once (log, metric, `/api/pools`) and not priced.
//! - price: publishes a `price_update` when a pool's price moved by at least the threshold or
//!   the refresh interval has passed since its last one.
//! - detect: feeds the `detector`, and publishes its events as `opportunity` messages.

mod cex;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use decoder::Pubkey;
use detector::{Detector, DetectorConfig, PoolUpdate};
use indexmap::IndexMap;
use market::{Applied, Market, MarketError, Pool, PoolSnapshot, QuoteClock};
use pricing::helpers::{PoolToken, pool_value, price_of};
use protocol::{LogLevel, PriceUpdate, ServerMessage, Timestamp};

use crate::clock::{BatchClock, monotonic_us};
use crate::hub::Hub;
use crate::source::AccountUpdate;
use crate::tokens::{SOL, TokenRegistry};

/// Price publication thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceConfig {
    /// Publish when the price moved by at least this fraction (0.0001 = 0.01%).
    pub min_move: f64,
    /// Publish at least this often while a pool keeps updating, in microseconds.
    pub refresh_us: u64,
}

impl Default for PriceConfig {
    fn default() -> Self {
        Self {
            min_move: 0.0001,
            refresh_us: 1_000_000,
        }
    }
}

/// What the pipeline has done, for metrics and health.
#[derive(Debug, Default)]
pub struct PipelineStats {
    pub updates: AtomicU64,
    pub decode_failures: AtomicU64,
    pub unknown_accounts: AtomicU64,
    pub out_of_order: AtomicU64,
    pub model_failures: AtomicU64,
    pub prices_published: AtomicU64,
    pub opportunities_published: AtomicU64,
    pub latest_slot: AtomicU64,
    /// Sum and count of update-to-decision latencies (µs), for the health report.
    pub detect_latency_sum_us: AtomicU64,
    pub detect_latency_count: AtomicU64,
    /// The most recent update-to-decision latencies (µs), for percentiles in health reports.
    pub recent_latencies_us: std::sync::Mutex<std::collections::VecDeque<u64>>,
    /// When the last account update arrived ([`monotonic_us`]); 0 before the first.
    pub last_update_us: AtomicU64,
    /// Pools that cannot be priced, and why (waiting for an account, or unquotable).
    pub unpriced: std::sync::Mutex<std::collections::BTreeMap<Pubkey, UnpricedPool>>,
}

/// A pool the pipeline follows but does not price, for `/api/pools`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpricedPool {
    /// `"raydium"`, `"orca"`, `"meteora"`.
    pub dex: &'static str,
    /// `"amm_v4"`, `"cpmm"`, `"clmm"`, `"whirlpool"`, `"dlmm"`.
    pub pool_type: &'static str,
    /// True while it only waits for an account to arrive; false when it cannot be quoted.
    pub waiting: bool,
    /// Why it is not priced.
    pub reason: String,
}

/// Latencies kept for percentiles.
const LATENCY_WINDOW: usize = 4_096;

impl PipelineStats {
    fn record_latency(&self, us: u64) {
        self.detect_latency_sum_us.fetch_add(us, Ordering::Relaxed);
        self.detect_latency_count.fetch_add(1, Ordering::Relaxed);
        let mut window = self
            .recent_latencies_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if window.len() == LATENCY_WINDOW {
            window.pop_front();
        }
        window.push_back(us);
        #[allow(clippy::cast_precision_loss)]
        metrics::histogram!("dexmon_update_to_detect_seconds").record(us as f64 / 1e6);
    }

    /// The `q` quantile (0..=1) of the recent update-to-decision latencies, in µs.
    pub fn latency_quantile_us(&self, q: f64) -> Option<u64> {
        let mut values: Vec<u64> = self
            .recent_latencies_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .copied()
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((values.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        values.get(index).copied()
    }
}

#[derive(Debug, Clone, Copy)]
struct LastPrice {
    price: f64,
    at_us: u64,
}

impl PriceConfig {
    /// Whether a new price is held back: it moved less than `min_move` since `last` was
    /// published, and `last` is younger than `refresh_us`.
    fn holds_back(&self, last: Option<&LastPrice>, price: f64, now_us: u64) -> bool {
        last.is_some_and(|last| {
            (price / last.price - 1.0).abs() < self.min_move
                && now_us.saturating_sub(last.at_us) < self.refresh_us
        })
    }
}

/// The newest slot and arrival time among the accounts a pool was built from.
#[derive(Debug, Clone, Copy, Default)]
struct Freshness {
    slot: u64,
    received_at_us: u64,
}

/// Mainnet's epoch schedule: 432,000 slots an epoch, no warm-up. Token-2022 fee schedules
/// switch at epoch boundaries.
const SLOTS_PER_EPOCH: u64 = 432_000;

/// A pool priced in this batch, as the price publisher needs it.
struct PricedPool<'a> {
    address: Pubkey,
    kind: market::PoolKind,
    mints: (Pubkey, Pubkey),
    snapshot: &'a PoolSnapshot,
    reserves: (u64, u64),
    slot: u64,
    received_at_us: u64,
}

/// A change made while running, applied between batches.
#[derive(Debug, Clone)]
pub enum Control {
    /// The pool is followed (again).
    AddPool(Pubkey),
    /// The pool is no longer followed.
    RemovePool(Pubkey),
    /// A token's symbol learnt from on-chain metadata (its raw symbol; labels are the
    /// pipeline registry's).
    Token(detector::TokenInfo),
}

/// The stages between a source's queue and the hub.
pub struct Pipeline {
    market: Market,
    freshness: HashMap<Pubkey, Freshness>,
    detector: Detector,
    tokens: TokenRegistry,
    prices: PriceConfig,
    last_price: HashMap<Pubkey, LastPrice>,
    /// The last published price of each exchange book, by book id.
    last_cex_price: HashMap<String, LastPrice>,
    /// Exchange books whose pair could not be mapped to mints, logged once each.
    logged_books: BTreeSet<String>,
    hub: Arc<Hub>,
    pub stats: Arc<PipelineStats>,
    /// Decode-failure logs are rate-limited per account.
    logged_failures: BTreeSet<Pubkey>,
    /// The batch being processed's time.
    clock: BatchClock,
    /// Pools no longer followed: their late updates are dropped.
    removed: BTreeSet<Pubkey>,
    /// Priced pools waiting for detection, oldest first, the latest state of each
    /// (see [`Pipeline::price_at`]).
    awaiting_detection: IndexMap<Pubkey, PoolUpdate>,
    /// Prices built while repricing, published together when the repricing is done.
    unsent_prices: Vec<PriceUpdate>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("pools", &self.market.pools().count())
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    pub fn new(
        detector_config: DetectorConfig,
        prices: PriceConfig,
        tokens: TokenRegistry,
        hub: Arc<Hub>,
    ) -> Result<Self, detector::ConfigError> {
        let mut detector = Detector::new(detector_config, SOL.to_bytes())?;
        for token in tokens.all() {
            detector.register_token(token);
        }
        Ok(Self {
            market: Market::default(),
            freshness: HashMap::new(),
            detector,
            tokens,
            prices,
            last_price: HashMap::new(),
            last_cex_price: HashMap::new(),
            hub,
            stats: Arc::new(PipelineStats::default()),
            logged_failures: BTreeSet::new(),
            clock: BatchClock::wall(),
            removed: BTreeSet::new(),
            logged_books: BTreeSet::new(),
            awaiting_detection: IndexMap::new(),
            unsent_prices: Vec::new(),
        })
    }

    /// Processes one batch now: see [`Pipeline::process_at`].
    pub fn process(&mut self, batch: Vec<AccountUpdate>, slot: Option<u64>) {
        self.process_at(batch, slot, BatchClock::wall());
    }

    /// Processes one batch at `clock` completely: prices, then detection of every pool that
    /// changed. A replay uses it, so the same batches always give the same messages. Live,
    /// the monitor calls [`Pipeline::price_at`] and [`Pipeline::detect_next`] instead, so
    /// that new prices never wait for detection.
    pub fn process_at(&mut self, batch: Vec<AccountUpdate>, slot: Option<u64>, clock: BatchClock) {
        self.price_at(batch, slot, clock);
        while self.detect_next() {}
    }

    /// Prices one batch at `clock`: store every update, then reprice each affected pool
    /// once. Every decision (price throttle, detection, fees) reads `clock`, never the
    /// process clocks, so a replay of the same batches gives the same messages.
    /// and publish its price. The pools wait for [`Pipeline::detect_next`], one entry per pool:
    /// a pool repriced again before its turn is detected once, on its latest state.
    pub fn price_at(&mut self, batch: Vec<AccountUpdate>, slot: Option<u64>, clock: BatchClock) {
        self.clock = clock;
        if let Some(slot) = slot {
            self.stats.latest_slot.fetch_max(slot, Ordering::Relaxed);
        }
        let mut affected = BTreeSet::new();
        if !batch.is_empty() {
            self.stats
                .last_update_us
                .store(monotonic_us(), Ordering::Relaxed);
        }
        for update in batch {
            self.stats.updates.fetch_add(1, Ordering::Relaxed);
            self.stats
                .latest_slot
                .fetch_max(update.slot, Ordering::Relaxed);
            let pubkey = update.pubkey;
            if self.removed.contains(&pubkey) {
                // In flight when the pool stopped being followed.
                continue;
            }
            let applied = self.market.apply(market::AccountUpdate {
                pubkey,
                owner: update.owner,
                data: &update.data,
                slot: update.slot,
                write_version: update.write_version,
            });
            match applied {
                Applied::Affects(pools) => {
                    for pool in pools {
                        let f = self.freshness.entry(pool).or_default();
                        f.slot = f.slot.max(update.slot);
                        f.received_at_us = f.received_at_us.max(update.received_at_us);
                        affected.insert(pool);
                    }
                }
                Applied::Unused => {}
                Applied::Stale => {
                    self.stats.out_of_order.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%pubkey, "out-of-order update ignored");
                }
                Applied::Undecodable(err) => {
                    let counter = match err {
                        decoder::DecodeError::UnknownOwner { .. }
                        | decoder::DecodeError::UnknownAccount { .. } => {
                            &self.stats.unknown_accounts
                        }
                        _ => &self.stats.decode_failures,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    if self.logged_failures.insert(pubkey) {
                        tracing::warn!(%pubkey, error = %err, kind = err.label(), "account failed to decode");
                        self.log(
                            LogLevel::Warning,
                            "account failed to decode",
                            &[("pubkey", pubkey.to_string()), ("error", err.to_string())],
                        );
                    }
                }
                Applied::Rejected(err) => {
                    self.stats.decode_failures.fetch_add(1, Ordering::Relaxed);
                    if self.logged_failures.insert(pubkey) {
                        tracing::warn!(%pubkey, error = %err, "account does not fit its pool");
                        self.log(
                            LogLevel::Warning,
                            "account does not fit its pool",
                            &[("pubkey", pubkey.to_string()), ("error", err.to_string())],
                        );
                    }
                }
            }
        }
        // Every price goes out before any detection work: a bot acts on the first price it
        // sees, and sizing opportunities takes far longer than pricing.
        for pool in affected {
            match self.reprice(pool) {
                Some(update) => {
                    // A newer state replaces the one waiting, in its place in line.
                    self.awaiting_detection.insert(pool, update);
                }
                None => {
                    self.awaiting_detection.shift_remove(&pool);
                }
            }
        }
        self.send_prices();
    }

    /// Publishes the prices built since the last call, back to back: each connection then
    /// finds them all waiting when it runs, and writes them in one go.
    fn send_prices(&mut self) {
        for price in std::mem::take(&mut self.unsent_prices) {
            self.hub.publish(ServerMessage::PriceUpdate(price));
        }
    }

    /// Runs detection for the pool that has waited longest; false when none waits.
    pub fn detect_next(&mut self) -> bool {
        match self.awaiting_detection.shift_remove_index(0) {
            Some((_, update)) => {
                self.detect(update);
                true
            }
            None => false,
        }
    }

    /// Whether priced pools wait for detection.
    pub fn detection_pending(&self) -> bool {
        !self.awaiting_detection.is_empty()
    }

    fn log(&self, level: LogLevel, message: &str, context: &[(&str, String)]) {
        self.hub.log(level, message, context);
    }

    /// The chain time of the batch being processed.
    fn quote_clock(&self) -> QuoteClock {
        let slot = self.stats.latest_slot.load(Ordering::Relaxed);
        QuoteClock {
            slot,
            epoch: slot / SLOTS_PER_EPOCH,
            unix_timestamp: i64::try_from(self.clock.unix_s()).unwrap_or(i64::MAX),
        }
    }

    /// Records why a pool is not priced; an unquotable pool is reported once per reason.
    fn mark_unpriced(&mut self, pool: &Pool, error: &MarketError) {
        let waiting = error.is_missing();
        let reason = error.to_string();
        let entry = UnpricedPool {
            dex: pool.kind().dex(),
            pool_type: pool.kind().pool_type(),
            waiting,
            reason: reason.clone(),
        };
        let previous = self
            .stats
            .unpriced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(pool.address(), entry.clone());
        if waiting || previous.as_ref() == Some(&entry) {
            return;
        }
        let address = pool.address();
        self.stats.model_failures.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("dexmon_unquotable_pools_total").increment(1);
        tracing::warn!(pool = %address, error = %reason, "pool cannot be priced");
        self.log(
            LogLevel::Warning,
            "pool cannot be priced",
            &[("pool", address.to_string()), ("reason", reason)],
        );
    }

    /// Prices one pool from its current accounts and publishes the price (unless throttled).
    /// Returns what detection needs, or `None` when the pool cannot be priced (its price and
    /// opportunities are then withdrawn).
    fn reprice(&mut self, address: Pubkey) -> Option<PoolUpdate> {
        let clock = self.quote_clock();
        let pool = self.market.pool(&address)?;
        let snapshot = match pool.snapshot(clock) {
            Ok(snapshot) => snapshot,
            Err(e) => {
                let pool = pool.clone();
                self.mark_unpriced(&pool, &e);
                if self.last_price.remove(&address).is_some() {
                    // It was priced: stop offering its last price and its opportunities.
                    self.hub.withdraw_price(&address.to_string());
                    let events = self
                        .detector
                        .remove_pool(&address.to_bytes(), self.clock.now_us);
                    self.publish_events(events, None);
                }
                return None;
            }
        };
        let kind = pool.kind();
        let [mint_a, mint_b] = pool.accounts().mints;
        let vaults = pool.vault_amounts();
        let reserves = (vaults[0].unwrap_or(0), vaults[1].unwrap_or(0));
        self.stats
            .unpriced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&address);
        let Freshness {
            slot,
            received_at_us,
        } = self.freshness.get(&address).copied().unwrap_or_default();
        let priced = PricedPool {
            address,
            kind,
            mints: (mint_a, mint_b),
            snapshot: &snapshot,
            reserves,
            slot,
            received_at_us,
        };
        self.publish_price(&priced);
        Some(PoolUpdate {
            address: address.to_bytes(),
            dex: kind.dex().to_owned(),
            pool_type: kind.pool_type().to_owned(),
            token_a: mint_a.to_bytes(),
            token_b: mint_b.to_bytes(),
            snapshot,
            reserves,
            slot,
            received_at_us,
        })
    }

    /// Feeds one priced pool to the detector and publishes what it decided.
    fn detect(&mut self, update: PoolUpdate) {
        let received_at_us = update.received_at_us;
        let events = self.detector.apply(update, self.clock.now_us);
        let latency = monotonic_us().saturating_sub(received_at_us);
        self.stats.record_latency(latency);
        self.publish_events(events, Some(received_at_us));
    }

    /// Publishes the detector's events; `trigger_received_us` is when the update that caused
    /// them arrived ([`monotonic_us`]), if one did.
    pub(crate) fn publish_events(
        &mut self,
        events: Vec<detector::OpportunityEvent>,
        trigger_received_us: Option<u64>,
    ) {
        let update_received_us = trigger_received_us.map(|at| self.clock.unix_us_of(at));
        for event in events {
            let mut message = event.to_message(0, Timestamp::default(), |a| {
                Pubkey::new_from_array(*a).to_string()
            });
            message.timing.update_received_us = update_received_us;
            if event.status == protocol::OpportunityStatus::Open {
                tracing::info!(
                    id = %message.id,
                    kind = ?message.opportunity_type,
                    pair = %message.pair,
                    buy = %message.buy_dex,
                    sell = %message.sell_dex,
                    net_percent = format_args!("{:.3}", message.net_profit_percent),
                    size = format_args!("{:.4}", message.recommended_size),
                    confidence = message.confidence,
                    "opportunity opened"
                );
                self.log(
                    LogLevel::Info,
                    &format!(
                        "{} opportunity opened on {}: buy {} sell {}, net {:.3}%",
                        match message.opportunity_type {
                            protocol::OpportunityType::Spatial => "spatial",
                            protocol::OpportunityType::Triangular => "triangular",
                            protocol::OpportunityType::CexDex => "cex_dex",
                            protocol::OpportunityType::Statistical => "statistical",
                        },
                        message.pair,
                        message.buy_dex,
                        message.sell_dex,
                        message.net_profit_percent
                    ),
                    &[("id", message.id.clone())],
                );
            }
            self.stats
                .opportunities_published
                .fetch_add(1, Ordering::Relaxed);
            self.hub.publish(ServerMessage::Opportunity(message));
        }
    }

    fn publish_price(&mut self, p: &PricedPool<'_>) {
        let (mint_a, mint_b) = p.mints;
        let (base, quote) = self.tokens.orient(&mint_a, &mint_b);
        let (da, db) = p.snapshot.decimals();
        let spot = p.snapshot.spot_price();
        let base_token = if base == mint_a {
            PoolToken::A
        } else {
            PoolToken::B
        };
        let price = price_of(base_token, spot.to_f64(da, db));
        if !price.is_finite() || price <= 0.0 {
            return;
        }
        let (pool, reserves, slot, received_at_us) =
            (&p.address, p.reserves, p.slot, p.received_at_us);
        let now = self.clock.now_us;
        if self
            .prices
            .holds_back(self.last_price.get(pool), price, now)
        {
            return;
        }
        self.last_price
            .insert(*pool, LastPrice { price, at_us: now });
        let quote_token = if quote == mint_b {
            PoolToken::B
        } else {
            PoolToken::A
        };
        let liquidity = pool_value(reserves.0, reserves.1, &spot, da, db, quote_token);
        self.stats.prices_published.fetch_add(1, Ordering::Relaxed);
        #[allow(clippy::cast_precision_loss)]
        metrics::histogram!("dexmon_update_to_publish_seconds")
            .record(monotonic_us().saturating_sub(received_at_us) as f64 / 1e6);
        self.unsent_prices.push(PriceUpdate {
            seq: 0,
            timestamp: Timestamp::default(),
            pair: format!(
                "{}/{}",
                self.tokens.symbol(&base),
                self.tokens.symbol(&quote)
            ),
            dex: p.kind.dex().to_owned(),
            pool_type: p.kind.pool_type().to_owned(),
            pool: pool.to_string(),
            price,
            liquidity,
            slot,
            last_update_ms: now.saturating_sub(received_at_us) / 1_000,
            update_received_us: Some(self.clock.unix_us_of(received_at_us)),
            bid: None,
            ask: None,
        });
    }

    /// Applies a change made at runtime (see [`Control`]).
    pub fn control(&mut self, control: Control) {
        match control {
            Control::RemovePool(address) => self.remove_pool(&address),
            Control::AddPool(address) => {
                self.removed.remove(&address);
            }
            Control::Token(token) => {
                let mint = Pubkey::new_from_array(token.mint);
                // Metadata only names mints with no symbol yet; for any other the labels
                // cannot change, so they are not gathered.
                if self.tokens.get(&mint).is_some() {
                    return;
                }
                let before = self.priced_labels();
                if self
                    .tokens
                    .insert_metadata(mint, &token.symbol, token.decimals)
                {
                    // A new symbol can make another mint's label ambiguous: the detector
                    // gets every label again.
                    for token in self.tokens.all() {
                        self.detector.register_token(token);
                    }
                    self.relabel(before);
                }
            }
        }
    }

    /// Every priced pool with its mints' current labels.
    fn priced_labels(&self) -> Vec<(Pubkey, [String; 2])> {
        self.market
            .pools()
            .filter(|p| self.last_price.contains_key(&p.address()))
            .map(|p| {
                let [a, b] = p.accounts().mints;
                (p.address(), [self.tokens.label(&a), self.tokens.label(&b)])
            })
            .collect()
    }

    /// Publishes again, at once, the price of every priced pool whose label changed since
    /// `before` (a symbol was learnt, or another mint's new symbol made one ambiguous): a pool
    /// that does not trade for a while must not keep showing its old pair. Detection already
    /// has the labels; nothing else changes.
    fn relabel(&mut self, before: Vec<(Pubkey, [String; 2])>) {
        // Nothing priced or followed changed since `before`, so both lists hold the same pools
        // in the same order.
        let after = self.priced_labels();
        let changed: Vec<Pubkey> = before
            .iter()
            .zip(&after)
            .filter(|(was, now)| was != now)
            .map(|(_, (address, _))| *address)
            .collect();
        for address in changed {
            // Past the move-or-refresh throttle: the price may not have moved at all.
            self.last_price.remove(&address);
            let _ = self.reprice(address);
        }
        self.send_prices();
    }

    /// Stops following a pool: its price is withdrawn (no more `price_update`s) and its open
    /// opportunities close.
    pub fn remove_pool(&mut self, address: &Pubkey) {
        self.awaiting_detection.shift_remove(address);
        self.removed.insert(*address);
        if self.market.remove_pool(address).is_none() {
            return;
        }
        self.freshness.remove(address);
        self.stats
            .unpriced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(address);
        if self.last_price.remove(address).is_some() {
            self.hub.withdraw_price(&address.to_string());
        }
        let events = self
            .detector
            .remove_pool(&address.to_bytes(), self.clock.now_us);
        self.publish_events(events, None);
    }

    /// Open opportunities now.
    pub fn open_count(&self) -> usize {
        self.detector.open_opportunities().count()
    }

    /// Detector rejections by reason.
    pub fn rejections(&self) -> Vec<(&'static str, u64)> {
        self.detector
            .rejections()
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect()
    }
}
