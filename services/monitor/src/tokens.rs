//! Token symbols, decimals and quote preference: the well-known mainnet mints, plus any the
//! configuration adds. Unknown mints show as the first characters of their address.

use std::collections::HashMap;

use decoder::Pubkey;
use detector::TokenInfo;
use solana_pubkey::pubkey;

/// Wrapped SOL.
pub const SOL: Pubkey = pubkey!("So11111111111111111111111111111111111111112");
pub const USDC: Pubkey = pubkey!("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
pub const USDT: Pubkey = pubkey!("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB");
pub const BONK: Pubkey = pubkey!("DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263");
pub const JUP: Pubkey = pubkey!("JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN");
pub const RAY: Pubkey = pubkey!("4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R");

/// Known tokens by mint.
#[derive(Debug, Clone)]
pub struct TokenRegistry {
    tokens: HashMap<Pubkey, TokenInfo>,
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
            r.insert(mint, symbol, decimals, rank);
        }
        r
    }
}

impl TokenRegistry {
    pub fn insert(&mut self, mint: Pubkey, symbol: &str, decimals: u8, quote_rank: u8) {
        self.tokens.insert(
            mint,
            TokenInfo {
                mint: mint.to_bytes(),
                symbol: symbol.to_owned(),
                decimals,
                quote_rank,
            },
        );
    }

    pub fn get(&self, mint: &Pubkey) -> Option<&TokenInfo> {
        self.tokens.get(mint)
    }

    /// The symbol, or the address's first six characters.
    pub fn symbol(&self, mint: &Pubkey) -> String {
        self.tokens.get(mint).map_or_else(
            || mint.to_string().chars().take(6).collect(),
            |t| t.symbol.clone(),
        )
    }

    pub fn rank(&self, mint: &Pubkey) -> u8 {
        self.tokens.get(mint).map_or(0, |t| t.quote_rank)
    }

    /// (base, quote) for a pair: the better-ranked token quotes.
    pub fn orient(&self, a: &Pubkey, b: &Pubkey) -> (Pubkey, Pubkey) {
        if self.rank(a) > self.rank(b) || (self.rank(a) == self.rank(b) && a > b) {
            (*b, *a)
        } else {
            (*a, *b)
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &TokenInfo> {
        self.tokens.values()
    }
}
