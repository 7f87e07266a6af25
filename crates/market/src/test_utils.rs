//! The shared mainnet fixtures as market inputs (feature `test-utils`).

use decoder::Pubkey;
use decoder::test_utils::{Fixture, all_fixtures};

use crate::{AccountUpdate, Market};

/// Pools in the fixtures whose every account is there too: pool, vaults, mints and arrays.
pub const COMPLETE_POOLS: [&str; 5] = [
    "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
    "9vqYJjDUFecLL2xPUC4Rc7hyCtZ6iJ4mDiVZX7aFXoAe",
    "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig",
    "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd",
    "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc",
];

/// A fixture's address.
///
/// # Panics
/// On a fixture whose pubkey does not parse (a broken fixture set).
#[allow(clippy::expect_used)]
pub fn pubkey(fixture: &Fixture) -> Pubkey {
    fixture.pubkey.parse().expect("fixture pubkey")
}

/// Every fixture account applied to one market (slot 1), or `None` where the fixtures are
/// absent outside CI (under `CI=true` their absence fails the test instead).
pub fn fixture_market(array_radius: u32) -> Option<(Market, Vec<Fixture>)> {
    let fixtures = all_fixtures()?;
    let mut market = Market::new(array_radius);
    for fixture in &fixtures {
        market.apply(AccountUpdate {
            pubkey: pubkey(fixture),
            owner: fixture.account.owner,
            data: &fixture.account.data,
            slot: fixture.slot.unwrap_or(1),
            write_version: None,
        });
    }
    Some((market, fixtures))
}
