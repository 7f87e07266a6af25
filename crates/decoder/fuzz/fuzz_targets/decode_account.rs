//! Fuzzes every decoder: the first byte picks an owner program (or a random owner), the rest
//! is the account data. Decoding must never panic; a decoded view is read in full.
#![no_main]

use decoder::*;
use libfuzzer_sys::fuzz_target;

const OWNERS: [Pubkey; 7] = [
    RAYDIUM_AMM_V4,
    RAYDIUM_CPMM,
    RAYDIUM_CLMM,
    ORCA_WHIRLPOOL,
    METEORA_DLMM,
    SPL_TOKEN,
    SPL_TOKEN_2022,
];

fuzz_target!(|input: &[u8]| {
    let Some((&selector, data)) = input.split_first() else { return };
    let owner = OWNERS.get(usize::from(selector) % 8).copied().unwrap_or_default();
    if let Ok(decoded) = decode_account(&owner, data) {
        let _ = format!("{decoded:?}");
        match decoded {
            DecodedAccount::WhirlpoolTickArray(t) => {
                for tick in t.ticks() {
                    let _ = (tick.liquidity_net(), tick.reward_growths_outside());
                }
            }
            DecodedAccount::DlmmOracle(o) => {
                for i in 0..o.length().min(64) as usize {
                    let _ = o.observation(i);
                }
            }
            DecodedAccount::Mint(m) => {
                let _ = (m.transfer_fee_config(), m.extension_types());
                let _ = (m.swap_blocker(), m.transfer_hook(), m.pausable());
            }
            DecodedAccount::TokenAccount(a) => {
                let _ = a.withheld_transfer_fee();
            }
            _ => {}
        }
    }
    // The per-kind decoders, on the same bytes, whatever the owner.
    let _ = AmmInfo::from_bytes(data);
    let _ = WhirlpoolTickArray::from_bytes(data);
    let _ = DlmmOracle::from_bytes(data);
    let _ = TokenAccount::from_bytes(TokenProgram::Token2022, data);
    let _ = Mint::from_bytes(TokenProgram::Token2022, data);
});
