//! Discovery and token settings from the configuration file: `[pools]` pairs, tokens and
//! limits, and `[tokens]` symbols. Read at start and again on `SIGHUP`.

use std::time::Duration;

use decoder::Pubkey;

use super::{DiscoverySettings, Target};
use crate::config::{ConfigError, FileConfig};
use crate::tokens::TokenRegistry;

/// The built-in tokens plus `[tokens] symbols` (which win).
///
/// # Errors
/// A key that is not a mint address, or an empty symbol.
pub fn registry(file: &FileConfig) -> Result<TokenRegistry, ConfigError> {
    let mut tokens = TokenRegistry::default();
    for (mint, symbol) in &file.tokens.symbols {
        let key = format!("tokens.symbols.{mint}");
        let address = mint
            .parse::<Pubkey>()
            .map_err(|_| ConfigError::invalid(&key, "the key must be a mint address"))?;
        if symbol.trim().is_empty() || symbol.contains('/') {
            return Err(ConfigError::invalid(
                &key,
                "a symbol must be non-empty, without '/'",
            ));
        }
        let (decimals, rank) = tokens
            .get(&address)
            .map_or((0, 0), |t| (t.decimals, t.quote_rank));
        tokens.insert(address, symbol, decimals, rank);
    }
    Ok(tokens)
}

/// The discovery settings `[pools]` asks for, or `None` without pairs and tokens.
///
/// # Errors
/// A pair that is not `A/B`, a symbol no single known mint has, a pair of one token, an
/// invalid mint, or a zero limit.
pub fn from_file(
    file: &FileConfig,
    tokens: &TokenRegistry,
    array_radius: u32,
) -> Result<Option<DiscoverySettings>, ConfigError> {
    let section = &file.pools;
    let mut targets = Vec::new();
    for (i, text) in section.pairs.iter().enumerate() {
        let key = format!("pools.pairs[{i}]");
        let Some((a, b)) = text.split_once('/') else {
            return Err(ConfigError::invalid(&key, format!("{text:?} is not A/B")));
        };
        let a = tokens
            .resolve(a)
            .map_err(|e| ConfigError::invalid(&key, e))?;
        let b = tokens
            .resolve(b)
            .map_err(|e| ConfigError::invalid(&key, e))?;
        if a == b {
            return Err(ConfigError::invalid(
                &key,
                "a pair needs two different tokens",
            ));
        }
        targets.push(Target::Pair([a, b]));
    }
    for (i, text) in section.tokens.iter().enumerate() {
        let key = format!("pools.tokens[{i}]");
        let mint = tokens
            .resolve(text)
            .map_err(|e| ConfigError::invalid(&key, e))?;
        targets.push(Target::Token(mint));
    }
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return Ok(None);
    }
    let mut settings = DiscoverySettings::new(targets);
    settings.array_radius = array_radius;
    for (symbol, whole) in &section.min_liquidity {
        let key = format!("pools.min_liquidity.{symbol}");
        let mint = tokens
            .resolve(symbol)
            .map_err(|e| ConfigError::invalid(&key, e))?;
        settings.min_liquidity.insert(mint, *whole);
    }
    if let Some(max) = section.max_per_pair {
        if max == 0 {
            return Err(ConfigError::invalid(
                "pools.max_per_pair",
                "must be at least 1",
            ));
        }
        settings.max_per_pair = max;
    }
    if let Some(secs) = section.discovery_interval_secs {
        if secs == 0 {
            return Err(ConfigError::invalid(
                "pools.discovery_interval_secs",
                "must be at least 1",
            ));
        }
        settings.interval = Duration::from_secs(secs);
    }
    if let Some(n) = section.discovery_concurrency {
        if !(1..=32).contains(&n) {
            return Err(ConfigError::invalid(
                "pools.discovery_concurrency",
                "must be 1..=32",
            ));
        }
        settings.concurrency = n;
    }
    Ok(Some(settings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{SOL, USDC};

    fn parse(text: &str) -> Result<Option<DiscoverySettings>, ConfigError> {
        let file = FileConfig::parse(text).unwrap();
        from_file(&file, &registry(&file)?, 2)
    }

    #[test]
    fn pairs_and_tokens_resolve_through_the_registry() {
        let wif = "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm";
        let s = parse(&format!(
            "[pools]\npairs = [\"SOL/USDC\", \"wif/sol\"]\ntokens = [\"{wif}\"]\nmin_liquidity = {{ USDC = 1000 }}\nmax_per_pair = 2\n[tokens]\nsymbols = {{ \"{wif}\" = \"WIF\" }}\n"
        ))
        .unwrap()
        .unwrap();
        let wif: Pubkey = wif.parse().unwrap();
        assert!(s.targets.contains(&Target::Pair([SOL, USDC])));
        assert!(s.targets.contains(&Target::Pair([wif, SOL])));
        assert!(s.targets.contains(&Target::Token(wif)));
        assert_eq!(s.min_liquidity.get(&USDC), Some(&1000));
        assert_eq!((s.max_per_pair, s.interval.as_secs()), (2, 600));
        assert!(parse("[pools]\naddresses = []\n").unwrap().is_none());
    }

    #[test]
    fn bad_pairs_name_the_key_and_why() {
        let err = parse("[pools]\npairs = [\"SOLUSDC\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pools.pairs[0]") && err.contains("A/B"),
            "{err}"
        );
        let err = parse("[pools]\npairs = [\"WIF/SOL\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no known token"), "{err}");
        let err = parse("[pools]\npairs = [\"SOL/sol\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("two different"), "{err}");
        let err = parse("[pools]\npairs = [\"SOL/USDC\"]\nmax_per_pair = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_per_pair"), "{err}");
        let err = parse("[tokens]\nsymbols = { nope = \"X\" }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mint address"), "{err}");
    }
}
