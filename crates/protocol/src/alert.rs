//! Server-side alerts: what a client registers with `alert_add`, and the validated rule the
//! server evaluates.
//!
//! On the wire an [`Alert`] is one flat object whose fields say which kind it is, so that a
//! person can write it by hand:
//! - a price level: `pair`, `condition` and `price` (optionally narrowed to one `dex` or `pool`);
//! - a spread between the pair's pools: `pair` and `spread_pct_above`;
//! - an opportunity: `net_profit_pct_above`, optionally with `opportunity_type` and `pair`.
//!
//! [`Alert::rule`] turns it into an [`AlertRule`] or says exactly what is wrong
//! ([`InvalidAlert`]), which the server reports as an `INVALID_ALERT` error.

use serde::{Deserialize, Serialize};

use crate::OpportunityType;

#[cfg(feature = "typescript")]
use ts_rs::TS;

/// Longest pair, dex or pool name an alert may hold.
const MAX_NAME_LEN: usize = 64;
/// Longest client-chosen `alert_id`.
pub const MAX_ALERT_ID_LEN: usize = 64;
/// Default hysteresis of a price alert, percent of the level.
pub const DEFAULT_PRICE_HYSTERESIS_PCT: f64 = 0.5;
/// Default hysteresis of a spread or opportunity alert, percent of the level.
pub const DEFAULT_THRESHOLD_HYSTERESIS_PCT: f64 = 10.0;
/// Largest hysteresis accepted, percent of the level.
pub const MAX_HYSTERESIS_PCT: f64 = 50.0;

/// How a price alert compares the price with its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum AlertCondition {
    /// Fires when the price is above the level.
    Above,
    /// Fires when the price is below the level.
    Below,
    /// Fires when the price moves from one side of the level to the other.
    Crosses,
}

/// An alert as a client writes it. Which fields are set decides its kind; see the module
/// documentation and `docs/protocol.md`.
///
/// Server messages that echo an alert are read leniently like every server message; a client's
/// `alert_add` is read strictly, an unknown field of `alert` included.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub struct Alert {
    /// `BASE/QUOTE`. Required for price and spread alerts; narrows an opportunity alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub pair: Option<String>,
    /// Price alerts: `above`, `below` or `crosses`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub condition: Option<AlertCondition>,
    /// Price alerts: the level, quote per base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub price: Option<f64>,
    /// Price alerts: watch the deepest pool of this dex only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub dex: Option<String>,
    /// Price alerts: watch this pool only (base58 address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub pool: Option<String>,
    /// Spread alerts: fires when the pair's pools disagree by more than this, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub spread_pct_above: Option<f64>,
    /// Opportunity alerts: only this strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub opportunity_type: Option<OpportunityType>,
    /// Opportunity alerts: fires when an opportunity's net profit exceeds this, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub net_profit_pct_above: Option<f64>,
    /// How far, in percent of the level, the value must move back before the alert can fire
    /// again. Defaults: 0.5 for price alerts, 10 for spread and opportunity alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub hysteresis_pct: Option<f64>,
}

/// Which pool's price a price alert watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceScope {
    /// The pair's deepest pool (largest `liquidity`) at each update.
    Deepest,
    /// The deepest pool of one dex.
    Dex(String),
    /// One pool.
    Pool(String),
}

/// A validated alert.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertRule {
    /// A price level.
    Price {
        /// The pair.
        pair: String,
        /// How the price is compared with the level.
        condition: AlertCondition,
        /// The level, quote per base.
        level: f64,
        /// Which pool's price is watched.
        scope: PriceScope,
        /// Re-arm distance, as a fraction of the level (0.005 for 0.5%).
        hysteresis: f64,
    },
    /// The spread between the pair's highest and lowest pool price, percent of the lowest.
    Spread {
        /// The pair.
        pair: String,
        /// The level, percent.
        level: f64,
        /// Re-arm distance, as a fraction of the level.
        hysteresis: f64,
    },
    /// An opportunity's net profit, percent.
    Opportunity {
        /// Only this strategy, when set.
        kind: Option<OpportunityType>,
        /// Only this pair, when set.
        pair: Option<String>,
        /// The level, percent.
        level: f64,
        /// Re-arm distance, as a fraction of the level.
        hysteresis: f64,
    },
}

/// Why an alert was refused. Reported as an `INVALID_ALERT` error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAlert {
    /// None of `price`, `spread_pct_above` and `net_profit_pct_above` was given.
    #[error(
        "an alert needs one of `price` (with `condition`), `spread_pct_above` or `net_profit_pct_above`"
    )]
    NoKind,
    /// More than one of them was given.
    #[error("an alert has exactly one of `price`, `spread_pct_above` and `net_profit_pct_above`")]
    SeveralKinds,
    /// A field the alert's kind does not use.
    #[error("`{field}` does not apply to a {kind} alert")]
    FieldNotApplicable {
        /// The field.
        field: &'static str,
        /// The alert's kind.
        kind: &'static str,
    },
    /// A field the alert's kind needs.
    #[error("a {kind} alert needs `{field}`")]
    MissingField {
        /// The field.
        field: &'static str,
        /// The alert's kind.
        kind: &'static str,
    },
    /// A level that is not a finite number above zero.
    #[error("`{field}` must be a finite number above zero")]
    BadLevel {
        /// The field.
        field: &'static str,
    },
    /// A pair that is not `BASE/QUOTE`.
    #[error("`pair` must be BASE/QUOTE of at most {MAX_NAME_LEN} characters")]
    BadPair,
    /// A dex or pool name that is empty or too long.
    #[error("`{field}` must be 1 to {MAX_NAME_LEN} characters")]
    BadName {
        /// The field.
        field: &'static str,
    },
    /// Both `dex` and `pool` were given.
    #[error("give `dex` or `pool`, not both")]
    DexAndPool,
    /// A hysteresis outside `0..=50` percent.
    #[error("`hysteresis_pct` must be between 0 and {MAX_HYSTERESIS_PCT}")]
    BadHysteresis,
    /// A client-chosen `alert_id` that is empty or too long.
    #[error("`alert_id` must be 1 to {MAX_ALERT_ID_LEN} characters")]
    BadAlertId,
}

impl Alert {
    /// Every field, for the strict client parser.
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "pair",
        "condition",
        "price",
        "dex",
        "pool",
        "spread_pct_above",
        "opportunity_type",
        "net_profit_pct_above",
        "hysteresis_pct",
    ];

    /// Validates the alert.
    ///
    /// # Errors
    /// [`InvalidAlert`] naming the first problem found.
    pub fn rule(&self) -> Result<AlertRule, InvalidAlert> {
        let kinds = [
            self.price.is_some(),
            self.spread_pct_above.is_some(),
            self.net_profit_pct_above.is_some(),
        ];
        match kinds.iter().filter(|k| **k).count() {
            0 => return Err(InvalidAlert::NoKind),
            1 => {}
            _ => return Err(InvalidAlert::SeveralKinds),
        }
        if let Some(level) = self.price {
            self.price_rule(level)
        } else if let Some(level) = self.spread_pct_above {
            self.unused("spread", &[("condition", self.condition.is_some())])?;
            self.unused_scope("spread")?;
            self.unused(
                "spread",
                &[("opportunity_type", self.opportunity_type.is_some())],
            )?;
            Ok(AlertRule::Spread {
                pair: required_pair(self.pair.as_deref(), "spread")?,
                level: positive(level, "spread_pct_above")?,
                hysteresis: self.hysteresis(DEFAULT_THRESHOLD_HYSTERESIS_PCT)?,
            })
        } else {
            let level = self.net_profit_pct_above.unwrap_or_default();
            self.unused("opportunity", &[("condition", self.condition.is_some())])?;
            self.unused_scope("opportunity")?;
            Ok(AlertRule::Opportunity {
                kind: self.opportunity_type,
                pair: self.pair.as_deref().map(valid_pair).transpose()?,
                level: positive(level, "net_profit_pct_above")?,
                hysteresis: self.hysteresis(DEFAULT_THRESHOLD_HYSTERESIS_PCT)?,
            })
        }
    }

    fn price_rule(&self, level: f64) -> Result<AlertRule, InvalidAlert> {
        self.unused(
            "price",
            &[("opportunity_type", self.opportunity_type.is_some())],
        )?;
        let condition = self.condition.ok_or(InvalidAlert::MissingField {
            field: "condition",
            kind: "price",
        })?;
        let scope = match (&self.dex, &self.pool) {
            (Some(_), Some(_)) => return Err(InvalidAlert::DexAndPool),
            (Some(dex), None) => PriceScope::Dex(name(dex, "dex")?),
            (None, Some(pool)) => PriceScope::Pool(name(pool, "pool")?),
            (None, None) => PriceScope::Deepest,
        };
        Ok(AlertRule::Price {
            pair: required_pair(self.pair.as_deref(), "price")?,
            condition,
            level: positive(level, "price")?,
            scope,
            hysteresis: self.hysteresis(DEFAULT_PRICE_HYSTERESIS_PCT)?,
        })
    }

    fn unused(
        &self,
        kind: &'static str,
        fields: &[(&'static str, bool)],
    ) -> Result<(), InvalidAlert> {
        match fields.iter().find(|(_, set)| *set) {
            Some((field, _)) => Err(InvalidAlert::FieldNotApplicable { field, kind }),
            None => Ok(()),
        }
    }

    fn unused_scope(&self, kind: &'static str) -> Result<(), InvalidAlert> {
        self.unused(
            kind,
            &[("dex", self.dex.is_some()), ("pool", self.pool.is_some())],
        )
    }

    fn hysteresis(&self, default_pct: f64) -> Result<f64, InvalidAlert> {
        let pct = self.hysteresis_pct.unwrap_or(default_pct);
        if !pct.is_finite() || !(0.0..=MAX_HYSTERESIS_PCT).contains(&pct) {
            return Err(InvalidAlert::BadHysteresis);
        }
        Ok(pct / 100.0)
    }
}

/// Checks a client-chosen `alert_id`.
///
/// # Errors
/// [`InvalidAlert::BadAlertId`] when it is empty or longer than [`MAX_ALERT_ID_LEN`].
pub fn check_alert_id(id: &str) -> Result<(), InvalidAlert> {
    if id.is_empty() || id.chars().count() > MAX_ALERT_ID_LEN {
        return Err(InvalidAlert::BadAlertId);
    }
    Ok(())
}

fn required_pair(pair: Option<&str>, kind: &'static str) -> Result<String, InvalidAlert> {
    valid_pair(pair.ok_or(InvalidAlert::MissingField {
        field: "pair",
        kind,
    })?)
}

fn valid_pair(pair: &str) -> Result<String, InvalidAlert> {
    let ok = pair.chars().count() <= MAX_NAME_LEN
        && pair
            .split_once('/')
            .is_some_and(|(b, q)| !b.is_empty() && !q.is_empty() && !q.contains('/'));
    ok.then(|| pair.to_owned()).ok_or(InvalidAlert::BadPair)
}

fn name(value: &str, field: &'static str) -> Result<String, InvalidAlert> {
    let ok = !value.is_empty() && value.chars().count() <= MAX_NAME_LEN;
    ok.then(|| value.to_owned())
        .ok_or(InvalidAlert::BadName { field })
}

fn positive(level: f64, field: &'static str) -> Result<f64, InvalidAlert> {
    (level.is_finite() && level > 0.0)
        .then_some(level)
        .ok_or(InvalidAlert::BadLevel { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(pair: &str, condition: AlertCondition, level: f64) -> Alert {
        Alert {
            pair: Some(pair.into()),
            condition: Some(condition),
            price: Some(level),
            ..Alert::default()
        }
    }

    #[test]
    fn a_price_alert_watches_the_deepest_pool_with_the_default_hysteresis() {
        let rule = price("SOL/USDC", AlertCondition::Above, 180.0)
            .rule()
            .unwrap();
        assert_eq!(
            rule,
            AlertRule::Price {
                pair: "SOL/USDC".into(),
                condition: AlertCondition::Above,
                level: 180.0,
                scope: PriceScope::Deepest,
                hysteresis: 0.005,
            }
        );
    }

    #[test]
    fn each_kind_is_recognised_by_its_level_field() {
        let spread = Alert {
            pair: Some("SOL/USDC".into()),
            spread_pct_above: Some(0.3),
            ..Alert::default()
        };
        assert!(matches!(spread.rule(), Ok(AlertRule::Spread { level, .. }) if level == 0.3));
        let opportunity = Alert {
            opportunity_type: Some(OpportunityType::Spatial),
            net_profit_pct_above: Some(0.5),
            hysteresis_pct: Some(0.0),
            ..Alert::default()
        };
        assert_eq!(
            opportunity.rule(),
            Ok(AlertRule::Opportunity {
                kind: Some(OpportunityType::Spatial),
                pair: None,
                level: 0.5,
                hysteresis: 0.0,
            })
        );
    }

    #[test]
    fn bad_alerts_say_what_is_wrong() {
        let cases = [
            (Alert::default(), InvalidAlert::NoKind),
            (
                Alert {
                    spread_pct_above: Some(1.0),
                    ..price("SOL/USDC", AlertCondition::Above, 1.0)
                },
                InvalidAlert::SeveralKinds,
            ),
            (
                Alert {
                    condition: None,
                    ..price("SOL/USDC", AlertCondition::Above, 1.0)
                },
                InvalidAlert::MissingField {
                    field: "condition",
                    kind: "price",
                },
            ),
            (
                price("SOLUSDC", AlertCondition::Above, 1.0),
                InvalidAlert::BadPair,
            ),
            (
                price("SOL/USDC", AlertCondition::Below, f64::NAN),
                InvalidAlert::BadLevel { field: "price" },
            ),
            (
                price("SOL/USDC", AlertCondition::Below, -1.0),
                InvalidAlert::BadLevel { field: "price" },
            ),
            (
                Alert {
                    dex: Some("orca".into()),
                    pool: Some("x".into()),
                    ..price("SOL/USDC", AlertCondition::Crosses, 1.0)
                },
                InvalidAlert::DexAndPool,
            ),
            (
                Alert {
                    hysteresis_pct: Some(51.0),
                    ..price("SOL/USDC", AlertCondition::Crosses, 1.0)
                },
                InvalidAlert::BadHysteresis,
            ),
            (
                Alert {
                    net_profit_pct_above: Some(0.5),
                    condition: Some(AlertCondition::Above),
                    ..Alert::default()
                },
                InvalidAlert::FieldNotApplicable {
                    field: "condition",
                    kind: "opportunity",
                },
            ),
            (
                Alert {
                    spread_pct_above: Some(0.5),
                    ..Alert::default()
                },
                InvalidAlert::MissingField {
                    field: "pair",
                    kind: "spread",
                },
            ),
        ];
        for (alert, expected) in cases {
            assert_eq!(alert.rule(), Err(expected), "{alert:?}");
        }
    }

    #[test]
    fn alert_ids_are_bounded() {
        assert!(check_alert_id("sol-180").is_ok());
        assert_eq!(check_alert_id(""), Err(InvalidAlert::BadAlertId));
        assert_eq!(
            check_alert_id(&"x".repeat(MAX_ALERT_ID_LEN + 1)),
            Err(InvalidAlert::BadAlertId)
        );
    }
}
