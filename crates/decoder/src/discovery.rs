//! Finding pools by their mints: for each pool program, the pool account's size and where its
//! two mints sit, as `getProgramAccounts` filters.
//!
//! The sizes, discriminators and offsets are the ones the views decode with
//! ([`AmmInfo::LEN`], [`crate::raydium::cpmm::pool_offset::TOKEN_0_MINT`], ...), so a bot
//! that searches with these filters finds exactly the accounts [`crate::decode_account`]
//! reads as pools.
//!
//! ```text
//! PoolLayout ─▶ pair_filters(x, y) ─▶ [x at mint 0, y at mint 1] and [y at mint 0, x at mint 1]
//!            ─▶ token_filters(x)   ─▶ [x at mint 0] and [x at mint 1]
//!            ─▶ mint_slice()       ─▶ `dataSlice` covering both mints; mints_in_slice reads them
//! ```

use solana_pubkey::Pubkey;

use crate::read::pubkey_at;
use crate::{
    AccountKind, AmmInfo, ClmmPool, CpmmPool, DecodeError, Discriminator, ExpectedLength, LbPair,
    Program, Whirlpool, discriminator,
};

/// One `getProgramAccounts` filter, with the RPC's semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFilter {
    /// The account is exactly this many bytes (`{"dataSize": n}`).
    DataSize(usize),
    /// The account's bytes at `offset` equal `bytes` (`{"memcmp": {...}}`).
    Memcmp {
        /// Where the comparison starts.
        offset: usize,
        /// What must be there: a pubkey or a discriminator.
        bytes: MemcmpBytes,
    },
}

/// The bytes a [`AccountFilter::Memcmp`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemcmpBytes {
    /// A mint (32 bytes).
    Pubkey(Pubkey),
    /// An Anchor discriminator (8 bytes).
    Discriminator(Discriminator),
}

impl MemcmpBytes {
    /// The raw bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Self::Pubkey(key) => key.as_ref(),
            Self::Discriminator(d) => d,
        }
    }
}

impl AccountFilter {
    /// Whether `data` (the whole account) passes, as the RPC node decides it.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            Self::DataSize(size) => data.len() == *size,
            Self::Memcmp { offset, bytes } => {
                let want = bytes.as_slice();
                offset
                    .checked_add(want.len())
                    .and_then(|end| data.get(*offset..end))
                    .is_some_and(|have| have == want)
            }
        }
    }

    /// The filter as JSON-RPC `getProgramAccounts` takes it: a mint in base58, a
    /// discriminator in base64 (both encodings every node accepts).
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine as _;
        match self {
            Self::DataSize(size) => serde_json::json!({ "dataSize": size }),
            Self::Memcmp {
                offset,
                bytes: MemcmpBytes::Pubkey(key),
            } => serde_json::json!({
                "memcmp": { "offset": offset, "bytes": key.to_string(), "encoding": "base58" }
            }),
            Self::Memcmp {
                offset,
                bytes: MemcmpBytes::Discriminator(d),
            } => serde_json::json!({
                "memcmp": {
                    "offset": offset,
                    "bytes": base64::engine::general_purpose::STANDARD.encode(d),
                    "encoding": "base64",
                }
            }),
        }
    }
}

/// A `dataSlice`: the part of each account the RPC node returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSlice {
    /// First byte returned.
    pub offset: usize,
    /// How many bytes.
    pub length: usize,
}

impl DataSlice {
    /// The slice as JSON-RPC takes it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "offset": self.offset, "length": self.length })
    }
}

/// Where a pool program's pool account keeps its mints, and how to recognise the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLayout {
    /// The program that owns the pools.
    pub program: Program,
    /// The pool account's kind.
    pub kind: AccountKind,
    /// The pool account's exact size.
    pub data_size: usize,
    /// Its Anchor discriminator (none for Raydium AMM v4).
    pub discriminator: Option<Discriminator>,
    /// Byte offsets of the first and second mint (token A, token B as the pool orders them).
    pub mint_offsets: [usize; 2],
}

/// The five pool programs' layouts, in the order [`Program`] lists them.
pub const POOL_LAYOUTS: [PoolLayout; 5] = [
    PoolLayout {
        program: Program::RaydiumAmmV4,
        kind: AccountKind::RaydiumAmmV4Pool,
        data_size: AmmInfo::LEN,
        discriminator: None,
        mint_offsets: [
            crate::raydium::amm_v4::offset::COIN_VAULT_MINT,
            crate::raydium::amm_v4::offset::PC_VAULT_MINT,
        ],
    },
    PoolLayout {
        program: Program::RaydiumCpmm,
        kind: AccountKind::RaydiumCpmmPool,
        data_size: CpmmPool::LEN,
        discriminator: Some(discriminator::POOL_STATE),
        mint_offsets: [
            crate::raydium::cpmm::pool_offset::TOKEN_0_MINT,
            crate::raydium::cpmm::pool_offset::TOKEN_1_MINT,
        ],
    },
    PoolLayout {
        program: Program::RaydiumClmm,
        kind: AccountKind::RaydiumClmmPool,
        data_size: ClmmPool::LEN,
        discriminator: Some(discriminator::POOL_STATE),
        mint_offsets: [
            crate::raydium::clmm::pool_offset::TOKEN_MINT_0,
            crate::raydium::clmm::pool_offset::TOKEN_MINT_1,
        ],
    },
    PoolLayout {
        program: Program::OrcaWhirlpool,
        kind: AccountKind::WhirlpoolPool,
        data_size: Whirlpool::LEN,
        discriminator: Some(discriminator::WHIRLPOOL),
        mint_offsets: [
            crate::orca::whirlpool::offset::TOKEN_MINT_A,
            crate::orca::whirlpool::offset::TOKEN_MINT_B,
        ],
    },
    PoolLayout {
        program: Program::MeteoraDlmm,
        kind: AccountKind::DlmmLbPair,
        data_size: LbPair::LEN,
        discriminator: Some(discriminator::LB_PAIR),
        mint_offsets: [
            crate::meteora::lb_pair::offset::TOKEN_X_MINT,
            crate::meteora::lb_pair::offset::TOKEN_Y_MINT,
        ],
    },
];

impl PoolLayout {
    /// The layout of `program`'s pools, if it is a pool program.
    pub fn of(program: Program) -> Option<&'static Self> {
        POOL_LAYOUTS.iter().find(|l| l.program == program)
    }

    /// Size and discriminator: the filters every search starts with.
    fn base(&self) -> Vec<AccountFilter> {
        let mut filters = vec![AccountFilter::DataSize(self.data_size)];
        if let Some(d) = self.discriminator {
            filters.push(AccountFilter::Memcmp {
                offset: 0,
                bytes: MemcmpBytes::Discriminator(d),
            });
        }
        filters
    }

    fn mint_at(&self, position: usize, mint: &Pubkey) -> AccountFilter {
        AccountFilter::Memcmp {
            offset: self.mint_offsets[position],
            bytes: MemcmpBytes::Pubkey(*mint),
        }
    }

    /// The two searches that find every pool of `x` and `y`: `x` as the first mint and `y`
    /// as the second, then the other way round. At most four filters each (the RPC limit).
    pub fn pair_filters(&self, x: &Pubkey, y: &Pubkey) -> [Vec<AccountFilter>; 2] {
        let order = |first: &Pubkey, second: &Pubkey| {
            let mut f = self.base();
            f.push(self.mint_at(0, first));
            f.push(self.mint_at(1, second));
            f
        };
        [order(x, y), order(y, x)]
    }

    /// The two searches that find every pool holding `mint`, as either token.
    pub fn token_filters(&self, mint: &Pubkey) -> [Vec<AccountFilter>; 2] {
        let at = |position| {
            let mut f = self.base();
            f.push(self.mint_at(position, mint));
            f
        };
        [at(0), at(1)]
    }

    /// The `dataSlice` discovery asks for: from the first mint to the end of the second.
    pub fn mint_slice(&self) -> DataSlice {
        let [a, b] = self.mint_offsets;
        let start = a.min(b);
        DataSlice {
            offset: start,
            length: a.max(b) + 32 - start,
        }
    }

    /// Reads the two mints from bytes returned for [`PoolLayout::mint_slice`].
    ///
    /// # Errors
    /// [`DecodeError::WrongLength`] when the slice is not the length asked for.
    pub fn mints_in_slice(&self, slice: &[u8]) -> Result<[Pubkey; 2], DecodeError> {
        let DataSlice { offset, length } = self.mint_slice();
        if slice.len() != length {
            return Err(DecodeError::WrongLength {
                kind: self.kind,
                expected: ExpectedLength::Exactly(length),
                actual: slice.len(),
            });
        }
        let [a, b] = self.mint_offsets;
        Ok([pubkey_at(slice, a - offset), pubkey_at(slice, b - offset)])
    }
}
