//! Quotes a real mainnet pool from its real accounts.
//!
//! ```sh
//! cargo run -p market --example quote                       # Orca SOL/USDC
//! cargo run -p market --example quote -- <pool address> [amount of token A]
//! ```
//!
//! The accounts come from the shared fixtures (`DEXMON_FIXTURES`, default `../shared/fixtures`);
//! a bot would fetch the same accounts over RPC or Geyser and feed them the same way.

use market::test_utils::fixture_market;
use market::{Direction, QuoteClock, SwapMode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address: solana_pubkey::Pubkey = args
        .next()
        .unwrap_or_else(|| "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ".into())
        .parse()?;
    let Some((market, _)) = fixture_market(8) else {
        return Err("no fixtures: set DEXMON_FIXTURES".into());
    };
    let pool = market
        .pool(&address)
        .ok_or_else(|| format!("{address} is not a pool in the fixtures"))?;
    // A bot passes the chain's clock; the fixtures were recorded around these.
    let clock = QuoteClock {
        slot: 330_000_000,
        epoch: 800,
        unix_timestamp: 1_760_000_000,
    };
    let snapshot = pool.snapshot(clock)?;
    let (decimals_a, decimals_b) = snapshot.decimals();
    let amount = match args.next() {
        Some(a) => a.parse()?,
        None => 10u64.pow(u32::from(decimals_a)),
    };
    println!("{} pool {address}", pool.kind());
    println!(
        "  spot: {:.9} B per A",
        snapshot.spot_price().to_f64(decimals_a, decimals_b)
    );
    for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
        match snapshot.quote(Direction::AToB, mode, amount) {
            Ok(q) => println!(
                "  {mode:?} {amount}: pay {} A, receive {} B (pool fee {}, transfer fees {} / {}, {:?})",
                q.amount_in, q.amount_out, q.fee, q.transfer_fee_in, q.transfer_fee_out, q.fill
            ),
            Err(e) => println!("  {mode:?} {amount}: {e}"),
        }
    }
    Ok(())
}
