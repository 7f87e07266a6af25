//! Token symbols, decimals and quote preference: the well-known mainnet mints, the ones the
//! configuration names, and those learnt from on-chain metadata (`metadata.rs`).
//!
//! Precedence: a configured symbol wins over everything; built-in symbols over metadata;
//! metadata only fills mints nothing else names. Unknown mints show as the first characters
//! of their address. Two mints with the same symbol are shown as the symbol plus the first
//! characters of each address, so a pair label is never ambiguous.

use std::collections::HashMap;

use decoder::Pubkey;
use detector::TokenInfo;
use solana_pubkey::pubkey;

pub mod metadata;

/// Wrapped SOL.
pub const SOL: Pubkey = pubkey!("So11111111111111111111111111111111111111112");
pub const USDC: Pubkey = pubkey!("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
pub const USDT: Pubkey = pubkey!("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB");
pub const BONK: Pubkey = pubkey!("DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263");
pub const JUP: Pubkey = pubkey!("JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN");
pub const RAY: Pubkey = pubkey!("4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R");

/// How many address characters tell same-symbol mints (and unknown mints) apart.
const SHORT_ADDRESS: usize = 4;

/// Where a token's symbol came from; a higher one is never replaced by a lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SymbolSource {
    Metadata,
    Builtin,
    Configured,
}

#[derive(Debug, Clone)]
struct Entry {
    info: TokenInfo,
    source: SymbolSource,
}

/// Known tokens by mint.
#[derive(Debug, Clone)]
pub struct TokenRegistry {
    tokens: HashMap<Pubkey, Entry>,
}

impl Default for TokenRegistry {
    fn default() -> Self {
        let mut r = Self {
            tokens: HashMap::new(),
        };
        for (mint, symbol, decimals, rank) in [
            (USDC, "USDC", 6, 3),
            (USDT, "USDT", 6, 2),
            (SOL, "SOL", 9, 1),
            (BONK, "BONK", 5, 0),
            (JUP, "JUP", 6, 0),
            (RAY, "RAY", 6, 0),
        ] {
            r.set(mint, symbol, decimals, rank, SymbolSource::Builtin);
        }
        r
    }
}

/// A symbol as shown: no surrounding space, no control characters, and no `/` (which
/// separates a pair's symbols).
fn clean(symbol: &str) -> String {
    symbol
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '/' { '-' } else { c })
        .collect()
}

impl TokenRegistry {
    /// Adds or replaces a token named by the configuration: its symbol always wins.
    pub fn insert(&mut self, mint: Pubkey, symbol: &str, decimals: u8, quote_rank: u8) {
        self.set(mint, symbol, decimals, quote_rank, SymbolSource::Configured);
    }

    /// Adds a symbol learnt from on-chain metadata, unless the mint is already named by
    /// the configuration or the built-in list. True when it was taken.
    pub fn insert_metadata(&mut self, mint: Pubkey, symbol: &str, decimals: u8) -> bool {
        if self.tokens.contains_key(&mint) || clean(symbol).is_empty() {
            return false;
        }
        self.set(mint, symbol, decimals, 0, SymbolSource::Metadata);
        true
    }

    fn set(&mut self, mint: Pubkey, symbol: &str, decimals: u8, rank: u8, source: SymbolSource) {
        if self.tokens.get(&mint).is_some_and(|e| e.source > source) {
            return;
        }
        let info = TokenInfo {
            mint: mint.to_bytes(),
            symbol: clean(symbol),
            decimals,
            quote_rank: rank,
        };
        self.tokens.insert(mint, Entry { info, source });
    }

    pub fn get(&self, mint: &Pubkey) -> Option<&TokenInfo> {
        self.tokens.get(mint).map(|e| &e.info)
    }

    /// Where a mint's symbol came from, if it has one.
    pub fn source(&self, mint: &Pubkey) -> Option<SymbolSource> {
        self.tokens.get(mint).map(|e| e.source)
    }

    /// The label shown for a mint: its symbol; the symbol and the address's first
    /// characters when another mint has the same symbol; the address's first six characters
    /// when the mint is unknown.
    pub fn label(&self, mint: &Pubkey) -> String {
        let Some(entry) = self.tokens.get(mint) else {
            return mint.to_string().chars().take(6).collect();
        };
        let symbol = &entry.info.symbol;
        let shared = self
            .tokens
            .iter()
            .any(|(other, e)| other != mint && e.info.symbol.eq_ignore_ascii_case(symbol));
        if shared {
            let short: String = mint.to_string().chars().take(SHORT_ADDRESS).collect();
            format!("{symbol}({short})")
        } else {
            symbol.clone()
        }
    }

    /// The label of a mint; see [`TokenRegistry::label`].
    pub fn symbol(&self, mint: &Pubkey) -> String {
        self.label(mint)
    }

    /// `BASE/QUOTE` with each side's unambiguous label.
    pub fn pair_label(&self, base: &Pubkey, quote: &Pubkey) -> String {
        format!("{}/{}", self.label(base), self.label(quote))
    }

    pub fn rank(&self, mint: &Pubkey) -> u8 {
        self.get(mint).map_or(0, |t| t.quote_rank)
    }

    /// (base, quote) for a pair: the better-ranked token quotes.
    pub fn orient(&self, a: &Pubkey, b: &Pubkey) -> (Pubkey, Pubkey) {
        if self.rank(a) > self.rank(b) || (self.rank(a) == self.rank(b) && a > b) {
            (*b, *a)
        } else {
            (*a, *b)
        }
    }

    /// Every known token, its symbol replaced by its unambiguous label.
    pub fn all(&self) -> Vec<TokenInfo> {
        self.tokens
            .iter()
            .map(|(mint, e)| TokenInfo {
                symbol: self.label(mint),
                ..e.info.clone()
            })
            .collect()
    }

    /// The mint `text` names: a base58 address, or a symbol exactly one known mint has
    /// (letter case ignored).
    ///
    /// # Errors
    /// Why not: no mint has the symbol, or several do (then the address is needed).
    pub fn resolve(&self, text: &str) -> Result<Pubkey, String> {
        let text = text.trim();
        if let Ok(mint) = text.parse::<Pubkey>() {
            return Ok(mint);
        }
        let mut matches: Vec<Pubkey> = self
            .tokens
            .iter()
            .filter(|(_, e)| e.info.symbol.eq_ignore_ascii_case(text))
            .map(|(mint, _)| *mint)
            .collect();
        matches.sort();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "no known token has the symbol {text:?}; give its mint address or add it under [tokens]"
            )),
            several => Err(format!(
                "{} mints have the symbol {text:?} ({}); give the mint address",
                several.len(),
                several
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_symbols_win_and_metadata_fills_the_rest() {
        let mut r = TokenRegistry::default();
        let wif = Pubkey::new_unique();
        assert!(
            !r.insert_metadata(BONK, "Bonk", 5),
            "built-in wins over metadata"
        );
        assert_eq!(r.label(&BONK), "BONK");
        assert!(r.insert_metadata(wif, "WIF", 6));
        assert_eq!(r.label(&wif), "WIF");
        r.insert(wif, "dogwifhat", 6, 0);
        assert_eq!(
            r.label(&wif),
            "dogwifhat",
            "configuration wins over metadata"
        );
        assert!(!r.insert_metadata(wif, "WIF", 6));
        r.insert(BONK, "BONK2", 5, 0);
        assert_eq!(r.label(&BONK), "BONK2", "configuration wins over built-in");
        assert_eq!(r.source(&BONK), Some(SymbolSource::Configured));
    }

    #[test]
    fn same_symbols_are_told_apart_and_pairs_stay_unambiguous() {
        let mut r = TokenRegistry::default();
        let fake = Pubkey::new_unique();
        assert!(r.insert_metadata(fake, "usdc", 6));
        let (real, copy) = (r.label(&USDC), r.label(&fake));
        assert_ne!(real, copy);
        assert!(real.starts_with("USDC(EPjF"), "{real}");
        assert!(copy.starts_with("usdc("), "{copy}");
        assert_ne!(r.pair_label(&SOL, &USDC), r.pair_label(&SOL, &fake));
        let slash = Pubkey::new_unique();
        r.insert_metadata(slash, "A/B", 6);
        assert_eq!(r.pair_label(&slash, &SOL), "A-B/SOL");
        assert!(r.resolve("usdc").unwrap_err().contains("2 mints"));
        assert_eq!(r.resolve("sol"), Ok(SOL));
        assert_eq!(r.resolve(&USDC.to_string()), Ok(USDC));
        assert!(r.resolve("NOPE").is_err());
        let labels: Vec<String> = r.all().into_iter().map(|t| t.symbol).collect();
        assert!(labels.iter().any(|l| l.starts_with("USDC(")), "{labels:?}");
    }

    #[test]
    fn unknown_mints_show_their_address() {
        let r = TokenRegistry::default();
        let m = Pubkey::new_unique();
        assert_eq!(r.label(&m), m.to_string()[..6]);
    }
}
