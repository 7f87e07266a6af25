//! One pool fed by its live accounts: which accounts it needs, the latest state of each, and
//! a complete [`PoolSnapshot`] built from them at a given clock.
//!
//! The shape follows `jupiter-amm-interface`'s `Amm`: build from the pool account
//! ([`Pool::from_keyed_account`]), ask [`Pool::accounts_to_update`], feed each account to
//! [`Pool::update`], then [`Pool::quote`] (or [`Pool::snapshot`] to quote many times).

mod amm_v4;
mod cpmm;
mod dlmm;
mod liquidity;
mod raydium_clmm;
mod whirlpool;

use std::collections::{BTreeMap, BTreeSet};

use decoder::{DecodedAccount, Pubkey, decode_account};
use pricing::{Direction, SwapMode};

use crate::error::{AccountRole, MarketError, Result};
use crate::mint::MintState;
use crate::snapshot::{PoolSnapshot, SwapQuote};
use crate::{PoolKind, QuoteClock};

/// Tick or bin arrays either side of the one holding the price that a pool follows by default.
pub const DEFAULT_ARRAY_RADIUS: u32 = 3;

/// The accounts a pool depends on besides its tick or bin arrays, read from the pool account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolAccounts {
    /// Mints of token A and token B.
    pub mints: [Pubkey; 2],
    /// Vaults (reserves) of token A and token B.
    pub vaults: [Pubkey; 2],
    /// The fee configuration (Raydium CPMM and CLMM).
    pub config: Option<Pubkey>,
    /// Orca's adaptive-fee oracle, for pools created from an adaptive fee tier.
    pub oracle: Option<Pubkey>,
    /// Raydium CLMM and Meteora DLMM bitmap extension. Optional: it exists only for pools with
    /// liquidity far from the price, and is used when present.
    pub bitmap_extension: Option<Pubkey>,
}

impl PoolAccounts {
    /// The role of `key` among these accounts.
    pub fn role_of(&self, key: &Pubkey) -> Option<AccountRole> {
        if let Some(side) = self.vaults.iter().position(|v| v == key) {
            return Some(AccountRole::Vault(side as u8));
        }
        if let Some(side) = self.mints.iter().position(|m| m == key) {
            return Some(AccountRole::Mint(side as u8));
        }
        if self.config.as_ref() == Some(key) {
            return Some(AccountRole::Config);
        }
        if self.oracle.as_ref() == Some(key) {
            return Some(AccountRole::Oracle);
        }
        if self.bitmap_extension.as_ref() == Some(key) {
            return Some(AccountRole::BitmapExtension);
        }
        None
    }

    /// Every account here, without the arrays.
    pub fn iter(&self) -> impl Iterator<Item = Pubkey> + '_ {
        self.mints
            .iter()
            .chain(&self.vaults)
            .copied()
            .chain(self.config)
            .chain(self.oracle)
            .chain(self.bitmap_extension)
    }
}

/// An account's latest bytes and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) owner: Pubkey,
    pub(crate) data: Vec<u8>,
}

/// What a pool's model is built from.
pub(crate) struct Parts<'a> {
    pub(crate) address: Pubkey,
    pub(crate) pool: DecodedAccount<'a>,
    pub(crate) reserves: (u64, u64),
    pub(crate) decimals: (u8, u8),
    pub(crate) accounts: &'a PoolAccounts,
    pub(crate) config: Option<&'a Stored>,
    pub(crate) oracle: Option<&'a Stored>,
    pub(crate) extension: Option<&'a Stored>,
    pub(crate) arrays: &'a BTreeMap<Pubkey, Stored>,
    pub(crate) clock: QuoteClock,
}

impl Parts<'_> {
    /// A required account that decodes, or the typed reason it cannot be used.
    pub(crate) fn decode<'s>(
        &'s self,
        role: AccountRole,
        key: Option<Pubkey>,
        stored: Option<&'s Stored>,
    ) -> Result<DecodedAccount<'s>> {
        let key = key.ok_or(MarketError::NotUsed(self.address))?;
        let stored = stored.ok_or(MarketError::MissingAccount { account: key, role })?;
        decode_account(&stored.owner, &stored.data).map_err(|source| MarketError::Decode {
            account: key,
            role,
            source,
        })
    }
}

impl<'a> Parts<'a> {
    /// The bitmap extension, decoded, when it has arrived (it is optional: most pools have
    /// none).
    pub(crate) fn extension(&self) -> Result<Option<(Pubkey, DecodedAccount<'a>)>> {
        let (Some(key), Some(stored)) = (self.accounts.bitmap_extension, self.extension) else {
            return Ok(None);
        };
        let decoded =
            decode_account(&stored.owner, &stored.data).map_err(|source| MarketError::Decode {
                account: key,
                role: AccountRole::BitmapExtension,
                source,
            })?;
        Ok(Some((key, decoded)))
    }
}

/// The account a role expected, but another kind arrived.
pub(crate) fn wrong(account: Pubkey, role: AccountRole, found: &DecodedAccount<'_>) -> MarketError {
    MarketError::WrongAccount {
        account,
        role,
        found: found.kind().name(),
    }
}

/// A pool of one of the five programs, with the latest state of every account it needs.
///
/// ```no_run
/// # fn fetch(_: &solana_pubkey::Pubkey) -> (solana_pubkey::Pubkey, Vec<u8>) { unimplemented!() }
/// use market::{Pool, QuoteClock};
/// use pricing::SwapMode;
///
/// let address: solana_pubkey::Pubkey = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ".parse()?;
/// let (owner, data) = fetch(&address);
/// let mut pool = Pool::from_keyed_account(address, &owner, &data)?;
/// for key in pool.accounts_to_update() {
///     let (owner, data) = fetch(&key);
///     pool.update(&key, &owner, &data)?;
/// }
/// let clock = QuoteClock { slot: 0, epoch: 800, unix_timestamp: 1_760_000_000 };
/// let sol = pool.accounts().mints[0];
/// let quote = pool.quote(&sol, 1_000_000_000, SwapMode::ExactIn, clock)?;
/// println!("1 SOL buys {} raw units", quote.amount_out);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pool {
    address: Pubkey,
    kind: PoolKind,
    accounts: PoolAccounts,
    array_radius: u32,
    data: Stored,
    vault_amounts: [Option<u64>; 2],
    mints: [Option<MintState>; 2],
    config: Option<Stored>,
    oracle: Option<Stored>,
    extension: Option<Stored>,
    arrays: BTreeMap<Pubkey, Stored>,
}

impl Pool {
    /// Builds a pool from its own account, following [`DEFAULT_ARRAY_RADIUS`] arrays either
    /// side of the price.
    ///
    /// # Errors
    /// [`MarketError::Decode`] for bytes that do not decode, [`MarketError::NotAPool`] for an
    /// account that is not a pool of a supported program.
    pub fn from_keyed_account(address: Pubkey, owner: &Pubkey, data: &[u8]) -> Result<Self> {
        Self::with_array_radius(address, owner, data, DEFAULT_ARRAY_RADIUS)
    }

    /// As [`Pool::from_keyed_account`], following `array_radius` arrays either side of the
    /// array that holds the price.
    ///
    /// # Errors
    /// As [`Pool::from_keyed_account`].
    pub fn with_array_radius(
        address: Pubkey,
        owner: &Pubkey,
        data: &[u8],
        array_radius: u32,
    ) -> Result<Self> {
        let (kind, accounts) = read_pool(&address, owner, data, None)?;
        Ok(Self {
            address,
            kind,
            accounts,
            array_radius,
            data: Stored {
                owner: *owner,
                data: data.to_vec(),
            },
            vault_amounts: [None; 2],
            mints: [None; 2],
            config: None,
            oracle: None,
            extension: None,
            arrays: BTreeMap::new(),
        })
    }

    /// The pool account's address.
    pub fn address(&self) -> Pubkey {
        self.address
    }

    /// The program the pool belongs to.
    pub fn kind(&self) -> PoolKind {
        self.kind
    }

    /// The pool's mints, vaults, config, oracle and bitmap extension.
    pub fn accounts(&self) -> &PoolAccounts {
        &self.accounts
    }

    /// The tick or bin arrays held now.
    pub(crate) fn held_arrays(&self) -> impl Iterator<Item = Pubkey> + '_ {
        self.arrays.keys().copied()
    }

    /// The mint states received so far (token A, token B).
    pub fn mints(&self) -> [Option<&MintState>; 2] {
        [self.mints[0].as_ref(), self.mints[1].as_ref()]
    }

    /// Vault balances received so far (token A, token B).
    pub fn vault_amounts(&self) -> [Option<u64>; 2] {
        self.vault_amounts
    }

    /// The index of the tick or bin array holding the price, for concentrated pools: when it
    /// changes, [`Pool::accounts_to_update`] changes.
    pub fn array_window_centre(&self) -> Option<i64> {
        let decoded = decode_account(&self.data.owner, &self.data.data).ok()?;
        window_centre(&decoded)
    }

    /// Every account the pool needs now: itself, its vaults, mints, fee config, oracle,
    /// bitmap extension, and the tick or bin arrays within the array radius of the price
    /// (program-derived addresses, so they can be requested before they are seen).
    pub fn accounts_to_update(&self) -> BTreeSet<Pubkey> {
        let mut keys: BTreeSet<Pubkey> = self.accounts.iter().collect();
        keys.insert(self.address);
        keys.extend(self.array_addresses());
        keys
    }

    /// The addresses of the arrays within the radius of the price.
    pub fn array_addresses(&self) -> Vec<Pubkey> {
        let Some(centre) = self.array_window_centre() else {
            return Vec::new();
        };
        let radius = i64::from(self.array_radius);
        let Ok(decoded) = decode_account(&self.data.owner, &self.data.data) else {
            return Vec::new();
        };
        (centre - radius..=centre + radius)
            .filter_map(|index| array_address(&self.address, &decoded, index))
            .collect()
    }

    /// The arrays within the radius of the price that have not arrived. A quote that runs
    /// out of known arrays ends as a partial fill (`TickArraysExhausted` /
    /// `BinArraysExhausted`); these are the accounts to fetch so that it can go on. (An array
    /// that does not exist on chain never arrives: the program treats it as empty.)
    pub fn missing_arrays(&self) -> Vec<Pubkey> {
        self.array_addresses()
            .into_iter()
            .filter(|key| !self.arrays.contains_key(key))
            .collect()
    }

    /// Takes an account's new state. Returns `true` when the account is one this pool uses
    /// (its quotes may have changed).
    ///
    /// Tick and bin arrays are accepted by their content (each names its pool), so arrays from
    /// any source work without address derivation.
    ///
    /// # Errors
    /// [`MarketError::NotUsed`] for an account this pool does not use;
    /// [`MarketError::Decode`] / [`MarketError::WrongAccount`] for bytes that do not fit the
    /// account's role. The previous state is kept on error.
    pub fn update(&mut self, key: &Pubkey, owner: &Pubkey, data: &[u8]) -> Result<bool> {
        let stored = || Stored {
            owner: *owner,
            data: data.to_vec(),
        };
        if *key == self.address {
            let (kind, accounts) = read_pool(key, owner, data, Some(&self.accounts))?;
            let before = self.array_window_centre();
            self.kind = kind;
            // An account whose address changed (never seen on chain for vaults and mints,
            // but possible for a re-initialized account) must arrive again.
            for side in 0..2 {
                if accounts.vaults[side] != self.accounts.vaults[side] {
                    self.vault_amounts[side] = None;
                }
                if accounts.mints[side] != self.accounts.mints[side] {
                    self.mints[side] = None;
                }
            }
            if accounts.config != self.accounts.config {
                self.config = None;
            }
            if accounts.oracle != self.accounts.oracle {
                self.oracle = None;
            }
            if accounts.bitmap_extension != self.accounts.bitmap_extension {
                self.extension = None;
            }
            self.accounts = accounts;
            self.data = stored();
            if self.array_window_centre() != before {
                self.retain_window_arrays();
            }
            return Ok(true);
        }
        if let Some(role) = self.accounts.role_of(key) {
            let decoded = decode_account(owner, data).map_err(|source| MarketError::Decode {
                account: *key,
                role,
                source,
            })?;
            match role {
                AccountRole::Vault(side) => {
                    let DecodedAccount::TokenAccount(t) = decoded else {
                        return Err(wrong(*key, role, &decoded));
                    };
                    self.vault_amounts[usize::from(side)] = Some(t.amount());
                }
                AccountRole::Mint(side) => {
                    let mint = MintState::from_account(*key, owner, data, side)?;
                    self.mints[usize::from(side)] = Some(mint);
                }
                AccountRole::Config | AccountRole::Oracle | AccountRole::BitmapExtension => {
                    let expected = match role {
                        AccountRole::Config => matches!(
                            decoded,
                            DecodedAccount::RaydiumCpmmConfig(_)
                                | DecodedAccount::RaydiumClmmConfig(_)
                        ),
                        AccountRole::Oracle => {
                            matches!(decoded, DecodedAccount::WhirlpoolOracle(_))
                        }
                        _ => matches!(
                            decoded,
                            DecodedAccount::RaydiumClmmTickArrayBitmapExtension(_)
                                | DecodedAccount::DlmmBinArrayBitmapExtension(_)
                        ),
                    };
                    if !expected {
                        return Err(wrong(*key, role, &decoded));
                    }
                    let slot = match role {
                        AccountRole::Config => &mut self.config,
                        AccountRole::Oracle => &mut self.oracle,
                        _ => &mut self.extension,
                    };
                    *slot = Some(stored());
                }
                AccountRole::Pool | AccountRole::Array => {}
            }
            return Ok(true);
        }
        let Ok(decoded) = decode_account(owner, data) else {
            return Err(MarketError::NotUsed(*key));
        };
        if array_owner(&decoded) == Some(self.address) {
            self.arrays.insert(*key, stored());
            return Ok(true);
        }
        Err(MarketError::NotUsed(*key))
    }

    /// Drops arrays that left the window: they are no longer followed, so their state would
    /// go stale.
    fn retain_window_arrays(&mut self) {
        let Some(centre) = self.array_window_centre() else {
            return;
        };
        let radius = i64::from(self.array_radius);
        self.arrays.retain(|_, stored| {
            decode_account(&stored.owner, &stored.data)
                .ok()
                .and_then(|d| array_index(&d, &self.data))
                .is_some_and(|index| (index - centre).abs() <= radius)
        });
    }

    /// The pool's complete quoting state at `clock`.
    ///
    /// # Errors
    /// [`MarketError::MissingAccount`] until every required account has arrived (vaults,
    /// mints, fee config, oracle); [`MarketError::Unquotable`] for a mint whose extensions make
    /// swaps impossible or unpredictable; decode and model errors otherwise.
    pub fn snapshot(&self, clock: QuoteClock) -> Result<PoolSnapshot> {
        let vault = |side: usize| {
            self.vault_amounts[side].ok_or(MarketError::MissingAccount {
                account: self.accounts.vaults[side],
                role: AccountRole::Vault(side as u8),
            })
        };
        let mint = |side: usize| {
            self.mints[side].ok_or(MarketError::MissingAccount {
                account: self.accounts.mints[side],
                role: AccountRole::Mint(side as u8),
            })
        };
        let (mint_a, mint_b) = (mint(0)?, mint(1)?);
        mint_a.check_quotable()?;
        mint_b.check_quotable()?;
        let pool = decode_account(&self.data.owner, &self.data.data).map_err(|source| {
            MarketError::Decode {
                account: self.address,
                role: AccountRole::Pool,
                source,
            }
        })?;
        let parts = Parts {
            address: self.address,
            pool,
            reserves: (vault(0)?, vault(1)?),
            decimals: (mint_a.decimals, mint_b.decimals),
            accounts: &self.accounts,
            config: self.config.as_ref(),
            oracle: self.oracle.as_ref(),
            extension: self.extension.as_ref(),
            arrays: &self.arrays,
            clock,
        };
        let model = match self.kind {
            PoolKind::RaydiumAmmV4 => amm_v4::model(&parts)?,
            PoolKind::RaydiumCpmm => cpmm::model(&parts)?,
            PoolKind::RaydiumClmm => raydium_clmm::model(&parts)?,
            PoolKind::OrcaWhirlpool => whirlpool::model(&parts)?,
            PoolKind::MeteoraDlmm => dlmm::model(&parts)?,
        };
        Ok(PoolSnapshot {
            model,
            transfer_fees: [
                mint_a.transfer_fee_at(clock.epoch),
                mint_b.transfer_fee_at(clock.epoch),
            ],
        })
    }

    /// Quotes a swap of `amount` of `input_mint` at `clock`, exactly as it would settle on
    /// chain (transfer fees included).
    ///
    /// # Errors
    /// [`MarketError::UnknownMint`] when `input_mint` is neither token; otherwise as
    /// [`Pool::snapshot`] and [`PoolSnapshot::quote`].
    pub fn quote(
        &self,
        input_mint: &Pubkey,
        amount: u64,
        mode: SwapMode,
        clock: QuoteClock,
    ) -> Result<SwapQuote> {
        let direction = self.direction_from(input_mint)?;
        self.snapshot(clock)?.quote(direction, mode, amount)
    }

    /// The swap direction that sells `input_mint`.
    ///
    /// # Errors
    /// [`MarketError::UnknownMint`] when `input_mint` is neither token.
    pub fn direction_from(&self, input_mint: &Pubkey) -> Result<Direction> {
        if *input_mint == self.accounts.mints[0] {
            Ok(Direction::AToB)
        } else if *input_mint == self.accounts.mints[1] {
            Ok(Direction::BToA)
        } else {
            Err(MarketError::UnknownMint(*input_mint))
        }
    }
}

/// The kind and dependencies of a pool account. Program-derived addresses (oracle, bitmap
/// extension) depend only on the pool's address and fixed fields, so they are taken from
/// `known` when given instead of being derived again on every update.
fn read_pool(
    address: &Pubkey,
    owner: &Pubkey,
    data: &[u8],
    known: Option<&PoolAccounts>,
) -> Result<(PoolKind, PoolAccounts)> {
    let decoded = decode_account(owner, data).map_err(|source| MarketError::Decode {
        account: *address,
        role: AccountRole::Pool,
        source,
    })?;
    let accounts = match &decoded {
        DecodedAccount::RaydiumAmmV4(p) => amm_v4::accounts(p),
        DecodedAccount::RaydiumCpmmPool(p) => cpmm::accounts(p),
        DecodedAccount::RaydiumClmmPool(p) => raydium_clmm::accounts(address, p, known),
        DecodedAccount::Whirlpool(p) => whirlpool::accounts(address, p, known),
        DecodedAccount::DlmmLbPair(p) => dlmm::accounts(address, p, known),
        _ => return Err(MarketError::NotAPool(*address)),
    };
    let kind = PoolKind::of(&decoded).ok_or(MarketError::NotAPool(*address))?;
    Ok((kind, accounts))
}

/// The pool a tick or bin array names.
pub(crate) fn array_owner(decoded: &DecodedAccount<'_>) -> Option<Pubkey> {
    match decoded {
        DecodedAccount::WhirlpoolTickArray(t) => Some(t.whirlpool()),
        DecodedAccount::RaydiumClmmTickArray(t) => Some(t.pool_id()),
        DecodedAccount::DlmmBinArray(b) => Some(b.lb_pair()),
        _ => None,
    }
}

/// The array index holding the price.
fn window_centre(pool: &DecodedAccount<'_>) -> Option<i64> {
    match pool {
        DecodedAccount::Whirlpool(p) => Some(whirlpool::array_index(
            p.tick_current_index(),
            p.tick_spacing(),
        )),
        DecodedAccount::RaydiumClmmPool(p) => Some(raydium_clmm::array_index(
            p.tick_current(),
            p.tick_spacing(),
        )),
        DecodedAccount::DlmmLbPair(p) => Some(pricing::dlmm::bin_id_to_array_index(p.active_id())),
        _ => None,
    }
}

/// An array's index in its pool's window.
fn array_index(array: &DecodedAccount<'_>, pool: &Stored) -> Option<i64> {
    let spacing = match decode_account(&pool.owner, &pool.data).ok()? {
        DecodedAccount::Whirlpool(p) => p.tick_spacing(),
        DecodedAccount::RaydiumClmmPool(p) => p.tick_spacing(),
        _ => 1,
    };
    match array {
        DecodedAccount::WhirlpoolTickArray(t) => {
            Some(whirlpool::array_index(t.start_tick_index(), spacing))
        }
        DecodedAccount::RaydiumClmmTickArray(t) => {
            Some(raydium_clmm::array_index(t.start_tick_index(), spacing))
        }
        DecodedAccount::DlmmBinArray(b) => Some(b.index()),
        _ => None,
    }
}

/// The address of the array at `index` of a pool's window.
fn array_address(address: &Pubkey, pool: &DecodedAccount<'_>, index: i64) -> Option<Pubkey> {
    match pool {
        DecodedAccount::Whirlpool(p) => {
            let start = whirlpool::array_start(index, p.tick_spacing())?;
            Some(crate::address::whirlpool_tick_array(address, start))
        }
        DecodedAccount::RaydiumClmmPool(p) => {
            let start = raydium_clmm::array_start(index, p.tick_spacing())?;
            Some(crate::address::raydium_clmm_tick_array(address, start))
        }
        DecodedAccount::DlmmLbPair(_) => Some(crate::address::dlmm_bin_array(address, index)),
        _ => None,
    }
}
