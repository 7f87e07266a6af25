//! Program-derived addresses of the accounts a pool needs, with the seeds each program uses.
//! Deriving them lets a caller subscribe to an array before it has ever seen it.

use decoder::Pubkey;

/// An Orca tick array: seeds `["tick_array", whirlpool, start as decimal text]`.
pub fn whirlpool_tick_array(whirlpool: &Pubkey, start_tick_index: i32) -> Pubkey {
    let start = start_tick_index.to_string();
    Pubkey::find_program_address(
        &[b"tick_array", whirlpool.as_ref(), start.as_bytes()],
        &decoder::ORCA_WHIRLPOOL,
    )
    .0
}

/// An Orca whirlpool's adaptive-fee oracle: seeds `["oracle", whirlpool]`.
pub fn whirlpool_oracle(whirlpool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"oracle", whirlpool.as_ref()], &decoder::ORCA_WHIRLPOOL).0
}

/// A Raydium CLMM tick array: seeds `["tick_array", pool, start as i32 big-endian]`.
pub fn raydium_clmm_tick_array(pool: &Pubkey, start_tick_index: i32) -> Pubkey {
    Pubkey::find_program_address(
        &[
            b"tick_array",
            pool.as_ref(),
            &start_tick_index.to_be_bytes(),
        ],
        &decoder::RAYDIUM_CLMM,
    )
    .0
}

/// A Raydium CLMM pool's tick-array bitmap extension: seeds
/// `["pool_tick_array_bitmap_extension", pool]`.
pub fn raydium_clmm_bitmap_extension(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[b"pool_tick_array_bitmap_extension", pool.as_ref()],
        &decoder::RAYDIUM_CLMM,
    )
    .0
}

/// A Meteora DLMM bin array: seeds `["bin_array", lb_pair, index as i64 little-endian]`.
pub fn dlmm_bin_array(lb_pair: &Pubkey, index: i64) -> Pubkey {
    Pubkey::find_program_address(
        &[b"bin_array", lb_pair.as_ref(), &index.to_le_bytes()],
        &decoder::METEORA_DLMM,
    )
    .0
}

/// A Meteora DLMM pair's bin-array bitmap extension: seeds `["bitmap", lb_pair]`.
pub fn dlmm_bitmap_extension(lb_pair: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"bitmap", lb_pair.as_ref()], &decoder::METEORA_DLMM).0
}

/// A mint's Metaplex Token Metadata account: seeds `["metadata", program, mint]`.
pub fn metaplex_metadata(mint: &Pubkey) -> Pubkey {
    let program = decoder::METAPLEX_TOKEN_METADATA;
    Pubkey::find_program_address(&[b"metadata", program.as_ref(), mint.as_ref()], &program).0
}
