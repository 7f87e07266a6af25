//! One connection's alerts: the rules it registered, the prices they watch, and whether each
//! can fire now.
//!
//! The connection feeds every live `price_update` and `opportunity` it receives from the hub
//! into [`AlertBook::on_message`], before its own channel and pair filters, so that an alert
//! fires whatever the connection subscribed to. Each alert fires once per crossing: after it
//! fires it stays quiet until the value has moved back past its hysteresis band.

use std::collections::{BTreeMap, HashMap, HashSet};

use protocol::{
    Alert, AlertCondition, AlertEntry, AlertRule, Channel, CrossDirection, InvalidAlert,
    Opportunity, OpportunityStatus, PriceScope, PriceUpdate, ServerMessage,
};

/// Why an `alert_add` or `alert_remove` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// The alert is not valid.
    #[error(transparent)]
    Invalid(#[from] InvalidAlert),
    /// The connection holds its maximum already.
    #[error("this connection already has {limit} alerts, the most allowed")]
    TooMany { limit: usize },
    /// No alert by that id.
    #[error("no alert {0:?} on this connection")]
    Unknown(String),
}

impl AlertError {
    /// The wire code of the `error` reply.
    pub fn code(&self) -> protocol::ErrorCode {
        match self {
            Self::Invalid(_) => protocol::ErrorCode::InvalidAlert,
            Self::TooMany { .. } => protocol::ErrorCode::TooManyAlerts,
            Self::Unknown(_) => protocol::ErrorCode::UnknownAlert,
        }
    }
}

/// An alert that fired: the `alert_triggered` message, stamped when the connection sends it.
pub type Fired = protocol::AlertTriggered;

/// The price state of one pool, as the alerts see it.
#[derive(Debug, Clone, PartialEq)]
struct PoolPrice {
    dex: String,
    price: f64,
    liquidity: f64,
    seq: u64,
}

/// Which side of its level a `crosses` alert last saw the price on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Above,
    Below,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// `above`, `below` and the threshold alerts: whether the alert may fire.
    Armed(bool),
    /// `crosses`: the side the price is on, and whether the side came from a firing (then
    /// the hysteresis applies to the next crossing).
    Cross { side: Option<Side>, fired: bool },
    /// Opportunity alerts: the opportunities that fired and have not fallen back yet, and
    /// the `seq` through which the registration's snapshot already covered the channel.
    Opportunities {
        fired: HashSet<String>,
        covered_through: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Registered {
    alert: Alert,
    rule: AlertRule,
    state: State,
}

impl Registered {
    fn watched_pair(&self) -> Option<&str> {
        match &self.rule {
            AlertRule::Price { pair, .. } | AlertRule::Spread { pair, .. } => Some(pair),
            AlertRule::Opportunity { .. } => None,
        }
    }

    fn armed(&self) -> bool {
        match &self.state {
            State::Armed(armed) => *armed,
            State::Cross { .. } | State::Opportunities { .. } => true,
        }
    }
}

/// The state the hub holds when an alert is registered, so that it is judged at once.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Every pool's latest price on the alert's pair.
    pub prices: Vec<PriceUpdate>,
    /// Every open opportunity, and the `opportunities` seq they were taken at.
    pub opportunities: Vec<Opportunity>,
    pub opportunities_seq: u64,
}

/// A connection's alerts.
#[derive(Debug)]
pub struct AlertBook {
    limit: usize,
    alerts: BTreeMap<String, Registered>,
    /// Latest price per pool, for the pairs some alert watches.
    pairs: HashMap<String, HashMap<String, PoolPrice>>,
    next_id: u64,
}

impl AlertBook {
    /// An empty book that holds at most `limit` alerts.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            alerts: BTreeMap::new(),
            pairs: HashMap::new(),
            next_id: 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// The pair whose prices a new alert needs from the hub, when the book does not hold them.
    ///
    /// # Errors
    /// The alert is invalid.
    pub fn needs_prices_of(&self, alert: &Alert) -> Result<Option<String>, AlertError> {
        let rule = alert.rule()?;
        Ok(match &rule {
            AlertRule::Price { pair, .. } | AlertRule::Spread { pair, .. } => {
                (!self.pairs.contains_key(pair)).then(|| pair.clone())
            }
            AlertRule::Opportunity { .. } => None,
        })
    }

    /// Registers (or replaces) an alert and judges it against `seed` at once.
    ///
    /// # Errors
    /// [`AlertError::Invalid`] or [`AlertError::TooMany`]; the book is unchanged.
    pub fn add(
        &mut self,
        alert_id: Option<String>,
        alert: Alert,
        seed: Seed,
    ) -> Result<(String, Vec<Fired>), AlertError> {
        let rule = alert.rule()?;
        if let Some(id) = &alert_id {
            protocol::check_alert_id(id)?;
        }
        let replacing = alert_id
            .as_ref()
            .is_some_and(|id| self.alerts.contains_key(id));
        if !replacing && self.alerts.len() >= self.limit {
            return Err(AlertError::TooMany { limit: self.limit });
        }
        let alert_id = alert_id.unwrap_or_else(|| self.fresh_id());
        if replacing {
            self.remove(&alert_id)?;
        }
        let mut registered_pair = None;
        if let AlertRule::Price { pair, .. } | AlertRule::Spread { pair, .. } = &rule {
            self.pairs.entry(pair.clone()).or_default();
            registered_pair = Some(pair.clone());
        }
        for price in seed
            .prices
            .iter()
            .filter(|p| registered_pair.as_ref() == Some(&p.pair))
        {
            self.record(price);
        }
        let state = match &rule {
            AlertRule::Price {
                condition: AlertCondition::Crosses,
                ..
            } => State::Cross {
                side: None,
                fired: false,
            },
            AlertRule::Price { .. } | AlertRule::Spread { .. } => State::Armed(true),
            // Judged against the snapshot first, then only messages after it.
            AlertRule::Opportunity { .. } => State::Opportunities {
                fired: HashSet::new(),
                covered_through: 0,
            },
        };
        let mut registered = Registered { alert, rule, state };
        let mut fired = Vec::new();
        match registered_pair.and_then(|pair| self.pairs.get(&pair)) {
            Some(pools) => fired.extend(judge_prices(&alert_id, &mut registered, pools)),
            None => {
                for opportunity in &seed.opportunities {
                    fired.extend(judge_opportunity(&alert_id, &mut registered, opportunity));
                }
                if let State::Opportunities {
                    covered_through, ..
                } = &mut registered.state
                {
                    *covered_through = seed.opportunities_seq;
                }
            }
        }
        self.alerts.insert(alert_id.clone(), registered);
        Ok((alert_id, fired))
    }

    fn fresh_id(&mut self) -> String {
        loop {
            let id = format!("a{}", self.next_id);
            self.next_id += 1;
            if !self.alerts.contains_key(&id) {
                return id;
            }
        }
    }

    /// Removes an alert, and the prices of a pair no alert watches any more.
    ///
    /// # Errors
    /// [`AlertError::Unknown`].
    pub fn remove(&mut self, alert_id: &str) -> Result<(), AlertError> {
        let removed = self
            .alerts
            .remove(alert_id)
            .ok_or_else(|| AlertError::Unknown(alert_id.to_owned()))?;
        if let Some(pair) = removed.watched_pair()
            && !self.alerts.values().any(|a| a.watched_pair() == Some(pair))
        {
            self.pairs.remove(pair);
        }
        Ok(())
    }

    /// Every alert, by id.
    pub fn list(&self) -> Vec<AlertEntry> {
        self.alerts
            .iter()
            .map(|(id, r)| AlertEntry {
                alert_id: id.clone(),
                alert: r.alert.clone(),
                armed: r.armed(),
            })
            .collect()
    }

    /// Judges the alerts a live channel message concerns.
    pub fn on_message(&mut self, message: &ServerMessage) -> Vec<Fired> {
        if self.alerts.is_empty() {
            return Vec::new();
        }
        match message {
            ServerMessage::PriceUpdate(price) => self.on_price(price),
            ServerMessage::Opportunity(opportunity) => self
                .alerts
                .iter_mut()
                .flat_map(|(id, r)| judge_opportunity(id, r, opportunity))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn on_price(&mut self, price: &PriceUpdate) -> Vec<Fired> {
        if !self.record(price) {
            return Vec::new();
        }
        let Some(pools) = self.pairs.get(&price.pair) else {
            return Vec::new();
        };
        self.alerts
            .iter_mut()
            .filter(|(_, r)| r.watched_pair() == Some(price.pair.as_str()))
            .flat_map(|(id, r)| judge_prices(id, r, pools))
            .collect()
    }

    /// Keeps a watched pair's pool price; false when the pair is not watched or the message
    /// is older than what the book holds (a live message the registration's snapshot covered).
    fn record(&mut self, price: &PriceUpdate) -> bool {
        let Some(pools) = self.pairs.get_mut(&price.pair) else {
            return false;
        };
        if pools
            .get(&price.pool)
            .is_some_and(|held| held.seq >= price.seq)
        {
            return false;
        }
        pools.insert(
            price.pool.clone(),
            PoolPrice {
                dex: price.dex.clone(),
                price: price.price,
                liquidity: price.liquidity,
                seq: price.seq,
            },
        );
        true
    }
}

/// The price a price alert watches: its scope's deepest pool (ties broken by address, so
/// the choice does not depend on map order).
fn reference<'a>(
    scope: &PriceScope,
    pools: &'a HashMap<String, PoolPrice>,
) -> Option<(&'a str, &'a PoolPrice)> {
    let mut candidates = pools
        .iter()
        .filter(|(pool, p)| match scope {
            PriceScope::Deepest => true,
            PriceScope::Dex(dex) => &p.dex == dex,
            PriceScope::Pool(only) => *pool == only,
        })
        .filter(|(_, p)| p.price.is_finite() && p.price > 0.0);
    let first = candidates.next()?;
    let best = candidates.fold(first, |best, next| {
        let deeper = next.1.liquidity > best.1.liquidity
            || (next.1.liquidity == best.1.liquidity && next.0 < best.0);
        if deeper { next } else { best }
    });
    Some((best.0.as_str(), best.1))
}

/// The spread between the pair's highest and lowest pool price, percent of the lowest, and
/// the newest of those prices' messages.
fn spread(pools: &HashMap<String, PoolPrice>) -> Option<(f64, &str, &PoolPrice)> {
    let priced: Vec<(&String, &PoolPrice)> = pools
        .iter()
        .filter(|(_, p)| p.price.is_finite() && p.price > 0.0)
        .collect();
    if priced.len() < 2 {
        return None;
    }
    let low = priced
        .iter()
        .map(|(_, p)| p.price)
        .fold(f64::INFINITY, f64::min);
    let high = priced.iter().map(|(_, p)| p.price).fold(0.0, f64::max);
    let (pool, newest) = priced.iter().max_by_key(|(_, p)| p.seq)?;
    Some(((high - low) / low * 100.0, pool.as_str(), newest))
}

fn judge_prices(
    alert_id: &str,
    registered: &mut Registered,
    pools: &HashMap<String, PoolPrice>,
) -> Option<Fired> {
    let (value, pool, price, direction) = match (&registered.rule, &mut registered.state) {
        (
            AlertRule::Price {
                condition,
                level,
                scope,
                hysteresis,
                ..
            },
            state,
        ) => {
            let (pool, price) = reference(scope, pools)?;
            let value = price.price;
            let direction = match (condition, state) {
                (AlertCondition::Above, State::Armed(armed)) => {
                    level_crossed(armed, value > *level, value <= level * (1.0 - hysteresis))
                        .then_some(None)
                }
                (AlertCondition::Below, State::Armed(armed)) => {
                    level_crossed(armed, value < *level, value >= level * (1.0 + hysteresis))
                        .then_some(None)
                }
                (AlertCondition::Crosses, State::Cross { side, fired }) => {
                    crossed(side, fired, value, *level, *hysteresis).map(Some)
                }
                _ => None,
            }?;
            (value, pool, price, direction)
        }
        (
            AlertRule::Spread {
                level, hysteresis, ..
            },
            State::Armed(armed),
        ) => {
            let (value, pool, newest) = spread(pools)?;
            level_crossed(armed, value > *level, value <= level * (1.0 - hysteresis))
                .then_some((value, pool, newest, None))?
        }
        _ => return None,
    };
    Some(Fired {
        timestamp: protocol::Timestamp::default(),
        alert_id: alert_id.to_owned(),
        alert: registered.alert.clone(),
        value,
        channel: Channel::Prices,
        seq: price.seq,
        pair: registered.watched_pair().unwrap_or_default().to_owned(),
        pool: Some(pool.to_owned()),
        dex: Some(price.dex.clone()),
        opportunity_id: None,
        direction,
    })
}

/// The `crosses` rule: the first side seen is where the price starts; moving to the other
/// side fires. After a firing, the way back must also clear the hysteresis band.
fn crossed(
    side: &mut Option<Side>,
    fired: &mut bool,
    value: f64,
    level: f64,
    hysteresis: f64,
) -> Option<CrossDirection> {
    let band = if *fired { hysteresis } else { 0.0 };
    let (next, direction) = match *side {
        None if value > level => (Some(Side::Above), None),
        None if value < level => (Some(Side::Below), None),
        Some(Side::Below) if value > level * (1.0 + band) => {
            (Some(Side::Above), Some(CrossDirection::Up))
        }
        Some(Side::Above) if value < level * (1.0 - band) => {
            (Some(Side::Below), Some(CrossDirection::Down))
        }
        current => (current, None),
    };
    *side = next;
    if direction.is_some() {
        *fired = true;
    }
    direction
}

/// The once-per-crossing rule of a level: fires when armed and past the level, re-arms
/// once back past the hysteresis band.
fn level_crossed(armed: &mut bool, past: bool, back: bool) -> bool {
    if *armed && past {
        *armed = false;
        return true;
    }
    if !*armed && back {
        *armed = true;
    }
    false
}

fn judge_opportunity(
    alert_id: &str,
    registered: &mut Registered,
    opportunity: &Opportunity,
) -> Option<Fired> {
    let AlertRule::Opportunity {
        kind,
        pair,
        level,
        hysteresis,
    } = &registered.rule
    else {
        return None;
    };
    let State::Opportunities {
        fired,
        covered_through,
    } = &mut registered.state
    else {
        return None;
    };
    // Live messages the registration's snapshot already covered are old news.
    if opportunity.seq <= *covered_through {
        return None;
    }
    if kind.is_some_and(|k| k != opportunity.opportunity_type)
        || pair.as_ref().is_some_and(|p| *p != opportunity.pair)
    {
        return None;
    }
    let value = opportunity.net_profit_percent;
    if opportunity.status == OpportunityStatus::Close {
        fired.remove(&opportunity.id);
        return None;
    }
    if fired.contains(&opportunity.id) {
        if value <= level * (1.0 - hysteresis) {
            fired.remove(&opportunity.id);
        }
        return None;
    }
    if value <= *level {
        return None;
    }
    fired.insert(opportunity.id.clone());
    Some(Fired {
        timestamp: protocol::Timestamp::default(),
        alert_id: alert_id.to_owned(),
        alert: registered.alert.clone(),
        value,
        channel: Channel::Opportunities,
        seq: opportunity.seq,
        pair: opportunity.pair.clone(),
        pool: None,
        dex: None,
        opportunity_id: Some(opportunity.id.clone()),
        direction: None,
    })
}

#[cfg(test)]
mod tests {
    use protocol::{Costs, OpportunityType, Timestamp, Timing};

    use super::*;

    fn price(seq: u64, pool: &str, dex: &str, value: f64, liquidity: f64) -> ServerMessage {
        ServerMessage::PriceUpdate(PriceUpdate {
            seq,
            timestamp: Timestamp::from_unix_millis(0),
            pair: "SOL/USDC".into(),
            dex: dex.into(),
            pool_type: "cpmm".into(),
            pool: pool.into(),
            price: value,
            liquidity,
            slot: 1,
            last_update_ms: 0,
            update_received_us: None,
            bid: None,
            ask: None,
        })
    }

    fn opportunity(seq: u64, id: &str, status: OpportunityStatus, net: f64) -> ServerMessage {
        ServerMessage::Opportunity(Opportunity {
            seq,
            timestamp: Timestamp::from_unix_millis(0),
            id: id.into(),
            status,
            opportunity_type: OpportunityType::Spatial,
            pair: "SOL/USDC".into(),
            buy_dex: "orca".into(),
            sell_dex: "raydium".into(),
            buy_price: 1.0,
            sell_price: 1.0,
            gross_profit_percent: net,
            net_profit_percent: net,
            recommended_size: 1.0,
            confidence: 50,
            costs: Costs {
                dex_fees: 0.0,
                slippage: 0.0,
                gas_jito: 0.0,
            },
            timing: Timing {
                detection_latency_ms: 0.0,
                slot_delta: 0,
                data_freshness_ms: 0,
                update_received_us: None,
            },
            legs: Vec::new(),
        })
    }

    fn level(condition: AlertCondition, value: f64) -> Alert {
        Alert {
            pair: Some("SOL/USDC".into()),
            condition: Some(condition),
            price: Some(value),
            hysteresis_pct: Some(1.0),
            ..Alert::default()
        }
    }

    /// Feeds prices of one pool and returns the values that fired.
    fn run(book: &mut AlertBook, prices: &[f64]) -> Vec<f64> {
        let mut fired = Vec::new();
        for (i, p) in prices.iter().enumerate() {
            let msg = price(100 + i as u64, "P1", "orca", *p, 1_000.0);
            fired.extend(book.on_message(&msg).into_iter().map(|f| f.value));
        }
        fired
    }

    #[test]
    fn above_fires_once_per_crossing_and_rearms_below_the_band() {
        let mut book = AlertBook::new(8);
        book.add(None, level(AlertCondition::Above, 100.0), Seed::default())
            .unwrap();
        // 100.5 fires; 99.5 is inside the 1% band (no re-arm); 101 stays quiet; 98.9 re-arms;
        // 100.1 fires again.
        let fired = run(&mut book, &[99.0, 100.5, 99.5, 101.0, 98.9, 100.1, 100.2]);
        assert_eq!(fired, vec![100.5, 100.1]);
    }

    #[test]
    fn below_mirrors_above() {
        let mut book = AlertBook::new(8);
        book.add(None, level(AlertCondition::Below, 100.0), Seed::default())
            .unwrap();
        let fired = run(&mut book, &[101.0, 99.0, 100.5, 98.0, 101.1, 99.9]);
        assert_eq!(fired, vec![99.0, 99.9]);
    }

    #[test]
    fn crosses_fires_each_way_with_hysteresis_after_a_firing() {
        let mut book = AlertBook::new(8);
        book.add(None, level(AlertCondition::Crosses, 100.0), Seed::default())
            .unwrap();
        let mut fired = Vec::new();
        for (i, p) in [99.0, 100.2, 99.5, 98.9, 100.5, 101.1].iter().enumerate() {
            let msg = price(i as u64 + 1, "P1", "orca", *p, 1.0);
            fired.extend(
                book.on_message(&msg)
                    .into_iter()
                    .map(|f| (f.value, f.direction)),
            );
        }
        assert_eq!(
            fired,
            vec![
                (100.2, Some(CrossDirection::Up)),
                (98.9, Some(CrossDirection::Down)),
                (101.1, Some(CrossDirection::Up)),
            ],
            "99.5 and 100.5 are inside the band after a firing"
        );
    }

    #[test]
    fn a_price_alert_watches_the_deepest_pool_and_reports_its_message() {
        let mut book = AlertBook::new(8);
        book.add(None, level(AlertCondition::Above, 100.0), Seed::default())
            .unwrap();
        // A shallow pool far above the level does not move the alert.
        assert!(
            book.on_message(&price(1, "deep", "orca", 99.0, 1_000.0))
                .is_empty()
        );
        assert!(
            book.on_message(&price(2, "shallow", "raydium", 150.0, 10.0))
                .is_empty()
        );
        let fired = book.on_message(&price(3, "deep", "orca", 101.0, 1_000.0));
        assert_eq!(fired.len(), 1);
        assert_eq!((fired[0].seq, fired[0].pool.as_deref()), (3, Some("deep")));
        assert_eq!(fired[0].channel, Channel::Prices);
    }

    #[test]
    fn a_dex_or_pool_scope_narrows_the_reference() {
        let mut book = AlertBook::new(8);
        let alert = Alert {
            dex: Some("raydium".into()),
            ..level(AlertCondition::Above, 100.0)
        };
        book.add(None, alert, Seed::default()).unwrap();
        assert!(
            book.on_message(&price(1, "deep", "orca", 120.0, 1_000.0))
                .is_empty()
        );
        let fired = book.on_message(&price(2, "ray", "raydium", 101.0, 1.0));
        assert_eq!(fired[0].dex.as_deref(), Some("raydium"));
    }

    #[test]
    fn a_registration_is_judged_against_the_hub_at_once() {
        let mut book = AlertBook::new(8);
        let ServerMessage::PriceUpdate(now) = price(7, "P1", "orca", 105.0, 1.0) else {
            unreachable!()
        };
        let seed = Seed {
            prices: vec![now],
            ..Seed::default()
        };
        let (id, fired) = book
            .add(None, level(AlertCondition::Above, 100.0), seed)
            .unwrap();
        assert_eq!(id, "a1");
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].seq, 7);
        // A live message the seed already covered is skipped, even though it is below.
        assert!(
            book.on_message(&price(6, "P1", "orca", 90.0, 1.0))
                .is_empty()
        );
        assert!(!book.list()[0].armed);
    }

    #[test]
    fn a_spread_alert_measures_highest_against_lowest_pool() {
        let mut book = AlertBook::new(8);
        let alert = Alert {
            pair: Some("SOL/USDC".into()),
            spread_pct_above: Some(1.0),
            ..Alert::default()
        };
        book.add(None, alert, Seed::default()).unwrap();
        assert!(
            book.on_message(&price(1, "A", "orca", 100.0, 1.0))
                .is_empty()
        );
        assert!(
            book.on_message(&price(2, "B", "raydium", 100.5, 1.0))
                .is_empty()
        );
        let fired = book.on_message(&price(3, "B", "raydium", 101.5, 1.0));
        assert_eq!(fired.len(), 1);
        assert!((fired[0].value - 1.5).abs() < 1e-9);
        // Still wide: quiet. Back under 0.9% (10% band): re-armed; wide again: fires.
        assert!(
            book.on_message(&price(4, "B", "raydium", 102.0, 1.0))
                .is_empty()
        );
        assert!(
            book.on_message(&price(5, "B", "raydium", 100.8, 1.0))
                .is_empty()
        );
        assert_eq!(
            book.on_message(&price(6, "B", "raydium", 101.2, 1.0)).len(),
            1
        );
    }

    #[test]
    fn an_opportunity_alert_fires_once_per_opportunity_until_it_falls_back() {
        let mut book = AlertBook::new(8);
        let alert = Alert {
            opportunity_type: Some(OpportunityType::Spatial),
            net_profit_pct_above: Some(0.5),
            ..Alert::default()
        };
        book.add(Some("opp".into()), alert, Seed::default())
            .unwrap();
        let open = |seq, id, net| opportunity(seq, id, OpportunityStatus::Open, net);
        let update = |seq, id, net| opportunity(seq, id, OpportunityStatus::Update, net);
        assert!(book.on_message(&open(1, "x", 0.4)).is_empty());
        let fired = book.on_message(&update(2, "x", 0.6));
        assert_eq!(fired[0].opportunity_id.as_deref(), Some("x"));
        assert_eq!(
            (fired[0].channel, fired[0].seq),
            (Channel::Opportunities, 2)
        );
        assert!(book.on_message(&update(3, "x", 0.8)).is_empty(), "once");
        assert_eq!(
            book.on_message(&open(4, "y", 0.9)).len(),
            1,
            "per opportunity"
        );
        assert!(
            book.on_message(&update(5, "x", 0.46)).is_empty(),
            "inside the band"
        );
        assert!(
            book.on_message(&update(6, "x", 0.44)).is_empty(),
            "re-armed"
        );
        assert_eq!(book.on_message(&update(7, "x", 0.7)).len(), 1);
        book.on_message(&opportunity(8, "y", OpportunityStatus::Close, 0.9));
        assert_eq!(
            book.on_message(&open(9, "y", 0.9)).len(),
            1,
            "a reopened id fires"
        );
    }

    #[test]
    fn the_book_is_bounded_and_ids_replace() {
        let mut book = AlertBook::new(2);
        book.add(
            Some("a".into()),
            level(AlertCondition::Above, 1.0),
            Seed::default(),
        )
        .unwrap();
        book.add(None, level(AlertCondition::Below, 1.0), Seed::default())
            .unwrap();
        let err = book
            .add(None, level(AlertCondition::Below, 2.0), Seed::default())
            .unwrap_err();
        assert_eq!(err, AlertError::TooMany { limit: 2 });
        assert_eq!(err.code(), protocol::ErrorCode::TooManyAlerts);
        // Replacing an id does not count against the limit.
        book.add(
            Some("a".into()),
            level(AlertCondition::Above, 3.0),
            Seed::default(),
        )
        .unwrap();
        assert_eq!(book.list().len(), 2);
        assert_eq!(book.list()[0].alert.price, Some(3.0));
        assert_eq!(book.remove("nope"), Err(AlertError::Unknown("nope".into())));
        book.remove("a").unwrap();
        book.remove("a1").unwrap();
        assert!(book.is_empty());
        assert!(book.pairs.is_empty(), "no alert watches the pair any more");
    }

    #[test]
    fn invalid_alerts_change_nothing() {
        let mut book = AlertBook::new(2);
        let err = book
            .add(None, Alert::default(), Seed::default())
            .unwrap_err();
        assert_eq!(err.code(), protocol::ErrorCode::InvalidAlert);
        let err = book
            .add(
                Some(String::new()),
                level(AlertCondition::Above, 1.0),
                Seed::default(),
            )
            .unwrap_err();
        assert_eq!(err, AlertError::Invalid(InvalidAlert::BadAlertId));
        assert!(book.is_empty() && book.pairs.is_empty());
    }
}
