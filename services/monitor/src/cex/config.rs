//! `[cex.binance]`: which Binance symbols to follow, as which of our pairs, and how.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::BinanceSettings;
use crate::config::{BackoffSection, ConfigError, positive_secs};

/// `[cex]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CexSection {
    /// The exchange's taker fee, basis points (default 10, Binance's base spot rate).
    pub taker_fee_bps: Option<u32>,
    /// Transfer and inventory cost per trade, basis points of its quote input (default 0).
    pub transfer_cost_bps: Option<u32>,
    /// A book older than this is not traded against (default 1000).
    pub max_book_age_ms: Option<u64>,
    pub binance: Option<BinanceSection>,
}

/// The `cex_dex` strategy's costs and limits from `[cex]`; the detector validates them.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the key the detector refuses.
pub fn cex_costs(section: &CexSection) -> Result<detector::CexConfig, ConfigError> {
    let defaults = detector::CexConfig::default();
    let costs = detector::CexConfig {
        taker_fee_bps: section.taker_fee_bps.unwrap_or(defaults.taker_fee_bps),
        transfer_cost_bps: section
            .transfer_cost_bps
            .unwrap_or(defaults.transfer_cost_bps),
        max_book_age_ms: section.max_book_age_ms.unwrap_or(defaults.max_book_age_ms),
    };
    detector::DetectorConfig {
        cex: costs,
        ..detector::DetectorConfig::default()
    }
    .validate()
    .map_err(|e| ConfigError::invalid("cex", e.to_string()))?;
    Ok(costs)
}

/// `[cex.binance]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinanceSection {
    /// `wss://host:port`; default Binance's public market-data endpoint.
    pub endpoint: Option<String>,
    /// `SOLUSDC = "SOL/USDC"`: each exchange symbol and the pair it is.
    #[serde(default)]
    pub symbols: BTreeMap<String, String>,
    pub stale_after_secs: Option<u64>,
    pub rotate_after_secs: Option<u64>,
    pub connect_timeout_secs: Option<u64>,
    #[serde(default)]
    pub backoff: BackoffSection,
}

/// The feed's settings, or `None` when no `[cex.binance]` symbols are configured.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the key: a bad endpoint, symbol or pair, or a zero time.
pub fn binance_settings(section: &CexSection) -> Result<Option<BinanceSettings>, ConfigError> {
    let Some(b) = &section.binance else {
        return Ok(None);
    };
    let key = |k: &str| format!("cex.binance.{k}");
    if b.symbols.is_empty() {
        return Err(ConfigError::invalid(
            &key("symbols"),
            "name at least one symbol and its pair, for example SOLUSDC = \"SOL/USDC\"",
        ));
    }
    let mut symbols = BTreeMap::new();
    for (symbol, pair) in &b.symbols {
        if symbol.is_empty() || !symbol.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ConfigError::invalid(
                &key("symbols"),
                format!("{symbol:?} is not an exchange symbol (letters and digits, e.g. SOLUSDC)"),
            ));
        }
        let valid_pair = pair.split_once('/').is_some_and(|(base, quote)| {
            !base.is_empty() && !quote.is_empty() && !quote.contains('/')
        });
        if !valid_pair {
            return Err(ConfigError::invalid(
                &key(&format!("symbols.{symbol}")),
                format!("{pair:?} is not BASE/QUOTE"),
            ));
        }
        symbols.insert(symbol.to_ascii_uppercase(), pair.clone());
    }
    let mut settings = BinanceSettings::new(symbols);
    if let Some(endpoint) = &b.endpoint {
        if !(endpoint.starts_with("wss://") || endpoint.starts_with("ws://")) {
            return Err(ConfigError::invalid(
                &key("endpoint"),
                "must be a ws:// or wss:// URL without a path",
            ));
        }
        settings.endpoint.clone_from(endpoint);
    }
    settings.stale_after = positive_secs(&key("stale_after_secs"), b.stale_after_secs, 10)?;
    settings.rotate_after =
        positive_secs(&key("rotate_after_secs"), b.rotate_after_secs, 23 * 3600)?;
    if settings.rotate_after >= Duration::from_secs(24 * 3600) {
        return Err(ConfigError::invalid(
            &key("rotate_after_secs"),
            "must be below 86400: Binance closes every connection at 24 hours",
        ));
    }
    settings.connect_timeout =
        positive_secs(&key("connect_timeout_secs"), b.connect_timeout_secs, 10)?;
    settings.backoff = b.backoff.resolve(&key("backoff"))?;
    Ok(Some(settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<BinanceSettings>, ConfigError> {
        let section: CexSection = toml::from_str(text).unwrap();
        binance_settings(&section)
    }

    #[test]
    fn symbols_map_explicitly_to_pairs() {
        let s = parse("[binance]\nsymbols = { solusdc = \"SOL/USDC\", SOLUSDT = \"SOL/USDT\" }\n")
            .unwrap()
            .unwrap();
        assert_eq!(s.endpoint, super::super::DEFAULT_BINANCE_ENDPOINT);
        assert_eq!(s.symbols["SOLUSDC"], "SOL/USDC");
        assert_eq!(s.symbols["SOLUSDT"], "SOL/USDT", "USDT stays USDT");
        assert!(parse("").unwrap().is_none(), "no section, no feed");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[binance]\n", "cex.binance.symbols"),
            (
                "[binance]\nsymbols = { SOLUSDC = \"SOLUSDC\" }\n",
                "cex.binance.symbols.SOLUSDC",
            ),
            (
                "[binance]\nsymbols = { \"SOL-USDC\" = \"SOL/USDC\" }\n",
                "cex.binance.symbols",
            ),
            (
                "[binance]\nendpoint = \"https://x\"\nsymbols = { SOLUSDC = \"SOL/USDC\" }\n",
                "cex.binance.endpoint",
            ),
            (
                "[binance]\nrotate_after_secs = 90000\nsymbols = { SOLUSDC = \"SOL/USDC\" }\n",
                "cex.binance.rotate_after_secs",
            ),
            (
                "[binance]\nstale_after_secs = 0\nsymbols = { SOLUSDC = \"SOL/USDC\" }\n",
                "cex.binance.stale_after_secs",
            ),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: got, .. }) => assert_eq!(got, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
