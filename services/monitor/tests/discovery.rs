//! Pool discovery against the JSON-RPC stub (`support::geyser::RpcStub`): a faithful
//! stand-in that speaks JSON-RPC exactly and serves `getProgramAccounts` with Agave's filter
//! semantics (`dataSize`, `memcmp`, `dataSlice`) over the real mainnet fixture accounts. The
//! monitor talks to it with its real `reqwest` client; monitors run in process with their
//! real HTTP and WebSocket servers, and clients are the real `dexmon-client`.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use decoder::{DecodedAccount, Program, Pubkey, decode_account};
use dexmon_client::protocol::{Channel, ServerMessage};
use dexmon_client::{Client, Config, Event};
use monitor::backoff::Backoff;
use monitor::discovery::{DiscoveryError, DiscoverySettings, SkipReason, Target, discover};
use monitor::source::rpc::RpcClient;
use monitor::tokens::{SOL, TokenRegistry, USDC};
use support::geyser::{Account, GeyserServerHandle, RpcStub, fixture_accounts};
use support::live::{eventually, live_settings};

/// A pool account's program and mints as the decoder reads them: the expectation, worked
/// out without the search filters.
fn program_and_mints(account: &Account) -> Option<(Program, [Pubkey; 2])> {
    let mints = match decode_account(&account.owner, &account.data).ok()? {
        DecodedAccount::RaydiumAmmV4(p) => [p.coin_mint(), p.pc_mint()],
        DecodedAccount::RaydiumCpmmPool(p) => [p.token_0_mint(), p.token_1_mint()],
        DecodedAccount::RaydiumClmmPool(p) => [p.token_mint_0(), p.token_mint_1()],
        DecodedAccount::Whirlpool(p) => [p.token_mint_a(), p.token_mint_b()],
        DecodedAccount::DlmmLbPair(p) => [p.token_x_mint(), p.token_y_mint()],
        _ => return None,
    };
    Some((Program::from_owner(&account.owner)?, mints))
}

/// The fixture pools of `x` and `y`, either order.
fn pools_of(accounts: &[Account], x: Pubkey, y: Pubkey) -> BTreeSet<(Pubkey, String)> {
    accounts
        .iter()
        .filter_map(|a| {
            let (program, m) = program_and_mints(a)?;
            (m == [x, y] || m == [y, x]).then_some((a.pubkey, program.to_string()))
        })
        .collect()
}

fn quick(targets: Vec<Target>) -> DiscoverySettings {
    let mut s = DiscoverySettings::new(targets);
    s.backoff = Backoff::new(
        Duration::from_millis(5),
        Duration::from_millis(20),
        Duration::from_secs(60),
    )
    .unwrap();
    s.max_per_pair = 100;
    s
}

fn rpc(stub: &RpcStub) -> RpcClient {
    RpcClient::new(&stub.url(), Duration::from_secs(5)).unwrap()
}

fn the(accounts: &[Account], address: &str) -> Account {
    accounts
        .iter()
        .find(|a| a.pubkey.to_string() == address)
        .unwrap()
        .clone()
}

const ORCA_SOL_USDC: &str = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_finds_its_pools_of_every_program() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    // The fixtures hold no SOL/USDC CPMM pool; a CPMM pool's own pair, asked the other way
    // round, covers the fifth program.
    let cpmm = accounts
        .iter()
        .filter_map(program_and_mints)
        .find(|(p, _)| *p == Program::RaydiumCpmm)
        .unwrap();
    let other = *cpmm.1.iter().find(|m| **m != SOL).unwrap();
    let targets = vec![Target::Pair([SOL, USDC]), Target::Pair([other, SOL])];
    let found = discover(&rpc(&stub), &quick(targets), &TokenRegistry::default())
        .await
        .unwrap();

    let expected: BTreeSet<_> = pools_of(&accounts, SOL, USDC)
        .union(&pools_of(&accounts, other, SOL))
        .cloned()
        .collect();
    let programs: BTreeSet<&String> = expected.iter().map(|(_, p)| p).collect();
    assert_eq!(
        programs.len(),
        5,
        "every program has a pool to find: {programs:?}"
    );
    let seen: BTreeSet<Pubkey> = found
        .kept
        .iter()
        .map(|k| k.address)
        .chain(found.skipped.iter().map(|s| s.address))
        .collect();
    assert_eq!(seen, expected.iter().map(|(a, _)| *a).collect());

    // The one SOL/USDC pool whose vaults, mints and arrays are all there is valued in USDC;
    // the others are reported with the account they lack.
    let kept: Vec<String> = found.kept.iter().map(|k| k.address.to_string()).collect();
    assert!(kept.contains(&ORCA_SOL_USDC.to_owned()), "{kept:?}");
    let orca = found
        .kept
        .iter()
        .find(|k| k.address.to_string() == ORCA_SOL_USDC)
        .unwrap();
    assert_eq!((orca.valued_in, orca.decimals), (USDC, 6));
    assert!(orca.liquidity > 0 && orca.fee_rate > 0.0);
    for skipped in &found.skipped {
        let SkipReason::Unpriced(why) = &skipped.reason else {
            panic!("no floor was set: {skipped:?}");
        };
        assert!(why.contains("missing"), "{why}");
    }

    // Etiquette: two searches per program and pair, each with at most four filters and a
    // slice of the mints only.
    let calls = stub.program_account_calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2 * 5 * 2);
    for call in &calls {
        let config = &call["params"][1];
        assert!(config["filters"].as_array().unwrap().len() <= 4, "{config}");
        let length = config["dataSlice"]["length"].as_u64().unwrap();
        assert!((64..=112).contains(&length), "{config}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floor_and_the_per_pair_limit_choose_and_say_why() {
    let Some(mut accounts) = fixture_accounts() else {
        return;
    };
    // A second copy of the real Orca pool under another address: two valued pools of one
    // pair (they share the real vaults, mints and arrays).
    let mut twin = the(&accounts, ORCA_SOL_USDC);
    twin.pubkey = Pubkey::new_unique();
    accounts.push(twin.clone());
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let tokens = TokenRegistry::default();
    let mut settings = quick(vec![Target::Pair([SOL, USDC])]);
    settings.max_per_pair = 1;
    let found = discover(&rpc(&stub), &settings, &tokens).await.unwrap();
    assert_eq!(found.kept.len(), 1, "{found:?}");
    let limited: Vec<_> = found
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::OverLimit { max: 1 })
        .collect();
    assert_eq!(limited.len(), 1, "{found:?}");
    let liquidity = found.kept[0].liquidity;

    // A floor just above what the pools hold (whole USDC) leaves them both out, and says so.
    let whole = u64::try_from(liquidity / 1_000_000).unwrap();
    settings.max_per_pair = 5;
    settings.min_liquidity.insert(USDC, whole + 1);
    let found = discover(&rpc(&stub), &settings, &tokens).await.unwrap();
    assert!(found.kept.is_empty(), "{found:?}");
    let below = found
        .skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipReason::BelowFloor { liquidity: l, floor } if l == liquidity && floor == u128::from(whole + 1) * 1_000_000))
        .count();
    assert_eq!(below, 2, "{found:?}");
    // At the floor itself they stay.
    settings.min_liquidity.insert(USDC, whole);
    let found = discover(&rpc(&stub), &settings, &tokens).await.unwrap();
    assert_eq!(found.kept.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_end_discovery_and_rate_limits_back_off() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let tokens = TokenRegistry::default();
    let mut settings = quick(vec![Target::Pair([SOL, USDC])]);
    settings.concurrency = 1;
    stub.refuse_program_accounts.store(true, Ordering::Relaxed);
    let err = discover(&rpc(&stub), &settings, &tokens).await.unwrap_err();
    assert!(matches!(err, DiscoveryError::Refused(_)), "{err}");
    assert!(
        err.to_string().contains("refuses getProgramAccounts"),
        "{err}"
    );
    assert_eq!(
        stub.program_account_calls.lock().unwrap().len(),
        1,
        "not retried"
    );

    // Three 429s in a row: backed off and retried, then found.
    stub.refuse_program_accounts.store(false, Ordering::Relaxed);
    stub.rate_limited.store(3, Ordering::Relaxed);
    let found = discover(&rpc(&stub), &settings, &tokens).await.unwrap();
    assert_eq!(stub.rate_limited.load(Ordering::Relaxed), 0);
    assert!(!found.kept.is_empty());
    // More than the attempts allow: an error, not a refusal.
    stub.rate_limited.store(100, Ordering::Relaxed);
    settings.attempts = 2;
    let err = discover(&rpc(&stub), &settings, &tokens).await.unwrap_err();
    assert!(matches!(err, DiscoveryError::Rpc(_)), "{err}");
}

/// The metadata fixtures as stub accounts.
fn metadata_accounts() -> Option<Vec<Account>> {
    Some(
        decoder::test_utils::metadata_fixtures()?
            .into_iter()
            .map(|f| Account {
                pubkey: f.pubkey.parse().unwrap(),
                owner: f.account.owner,
                data: f.account.data,
                lamports: f.account.lamports,
                kind: f.kind,
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_symbols_come_from_metadata_once_and_are_cached() {
    let (Some(mut accounts), Some(metadata)) = (fixture_accounts(), metadata_accounts()) else {
        return;
    };
    accounts.extend(metadata);
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let pyusd: Pubkey = "2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo"
        .parse()
        .unwrap();
    let paid: Pubkey = "98kfF7rmsg1QDUEoCqNE7g7M1FdrTt92TEp2CLzypump"
        .parse()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("dexmon-metadata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token-metadata.json");
    let _ = std::fs::remove_file(&path);

    let mut cache = monitor::tokens::metadata::MetadataCache::open(Some(&path));
    let added = cache
        .fetch(&rpc(&stub), &[USDC, pyusd, paid])
        .await
        .unwrap();
    assert_eq!(added, 3);
    let symbol = |m: &Pubkey| cache.get(m).and_then(|t| t.symbol.clone());
    assert_eq!(
        symbol(&USDC).as_deref(),
        Some("USDC"),
        "Metaplex, by its PDA"
    );
    assert_eq!(
        symbol(&pyusd).as_deref(),
        Some("PYUSD"),
        "Token-2022, in the mint"
    );
    assert_eq!(symbol(&paid).as_deref(), Some("PAID"));
    assert_eq!(cache.get(&paid).unwrap().decimals, 6);

    // Once per mint: a new process reads the file, not the chain.
    let calls = stub.calls.load(Ordering::Relaxed);
    let mut again = monitor::tokens::metadata::MetadataCache::open(Some(&path));
    assert_eq!(
        again
            .fetch(&rpc(&stub), &[USDC, pyusd, paid])
            .await
            .unwrap(),
        0
    );
    assert_eq!(stub.calls.load(Ordering::Relaxed), calls);

    // Built-in and configured symbols win; metadata fills the rest.
    let mut tokens = TokenRegistry::default();
    tokens.insert(paid, "PAID-CONFIGURED", 6, 0);
    let taken = again.apply(&mut tokens);
    assert_eq!(taken, vec![pyusd]);
    assert_eq!(tokens.label(&pyusd), "PYUSD");
    assert_eq!(tokens.label(&paid), "PAID-CONFIGURED");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits for a price of each of `pools` on the client (an update, or the subscription's
/// snapshot) and returns their pair labels.
async fn prices_of(
    client: &mut Client,
    pools: &[&str],
    secs: u64,
) -> std::collections::BTreeMap<String, String> {
    let mut seen = std::collections::BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while pools.iter().any(|p| !seen.contains_key(*p)) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = tokio::time::timeout(left, client.next_event())
            .await
            .unwrap_or_else(|_| panic!("no price for all of {pools:?} within {secs} s: {seen:?}"))
            .expect("client open")
            .expect("no client error");
        let updates = match event {
            Event::Message(ServerMessage::PriceUpdate(p)) => vec![p],
            // Priced before the client subscribed: its subscription's snapshot holds it.
            Event::Message(ServerMessage::Snapshot(s)) => s.prices.unwrap_or_default(),
            Event::Disconnected { code, reason } => panic!("client dropped: {code:?} {reason}"),
            _ => vec![],
        };
        for p in updates {
            seen.insert(p.pool, p.pair);
        }
    }
    seen
}

async fn price_of(client: &mut Client, pool: &str, secs: u64) -> String {
    prices_of(client, &[pool], secs).await[pool].clone()
}

async fn client_for(server: &monitor::Running, channels: &[Channel]) -> Client {
    let mut client = Client::connect(Config::new(format!("ws://{}/ws", server.addr)))
        .await
        .unwrap();
    client
        .subscribe(dexmon_client::channels(channels.iter().copied()))
        .await
        .unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_with_pairs_and_no_addresses_finds_and_prices_the_pools() {
    let (Some(accounts), Some(metadata)) = (fixture_accounts(), metadata_accounts()) else {
        return;
    };
    let mut served = accounts.clone();
    served.extend(metadata);
    let stub = RpcStub::start(&served, 300_000_000).await;
    let geyser = GeyserServerHandle::start();
    // A Token-2022 pool whose mint names itself in its own metadata (the fixtures' complete
    // Meteora pool B5Eia4cE...), beside SOL/USDC.
    let token_2022_pool = the(&accounts, "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc");
    let (_, [mint_x, _]) = program_and_mints(&token_2022_pool).unwrap();
    let dir = std::env::temp_dir().join(format!("dexmon-pairs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("monitor.toml");
    std::fs::write(
        &config,
        format!(
            "source = \"yellowstone\"\nlisten = \"127.0.0.1:0\"\n[yellowstone]\nendpoint = \"{}\"\n[rpc]\nurl = \"{}\"\n[pools]\npairs = [\"SOL/USDC\", \"{mint_x}/SOL\"]\n[tokens]\nmetadata_cache = \"{}\"\n",
            geyser.endpoint(),
            stub.url(),
            dir.join("token-metadata.json").display(),
        ),
    )
    .unwrap();
    // As `monitor --config FILE` reads it: the file fills what the command line leaves.
    use clap::{CommandFactory as _, FromArgMatches as _};
    let matches = monitor::cli::Cli::command().get_matches_from([
        "monitor",
        "--config",
        config.to_str().unwrap(),
    ]);
    let cli = monitor::cli::Cli::from_arg_matches(&matches).unwrap();
    let mut settings = monitor::Settings::load(&cli, Some(&matches)).unwrap();
    settings.live.as_mut().unwrap().endpoints[0].x_token = None;
    assert!(settings.live.as_ref().unwrap().pools.is_empty());
    let server = support::start(settings).await;
    let mut client = client_for(&server, &[Channel::Prices]).await;

    let other = token_2022_pool.pubkey.to_string();
    let pairs = prices_of(&mut client, &[ORCA_SOL_USDC, &other], 20).await;
    assert_eq!(pairs[ORCA_SOL_USDC], "SOL/USDC");
    // The other pair's symbol is the mint's own on-chain metadata.
    let pair = pairs[&other].clone();
    let symbol = pair.split('/').next().unwrap().to_owned();
    assert!(
        !mint_x.to_string().starts_with(&symbol) && pair.ends_with("/SOL"),
        "{pair}: the symbol is not the address"
    );
    let followed = server.pools.followed();
    assert!(followed.contains(&ORCA_SOL_USDC.parse().unwrap()));
    assert!(followed.contains(&token_2022_pool.pubkey));
    eventually("the stream follows what was discovered", 10, || {
        geyser.shared.subscribed_accounts().contains(ORCA_SOL_USDC)
    })
    .await;
    eprintln!("discovered and priced: {followed:?}; {pair}");
    server.stop();
    server.wait().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediscovery_adds_a_new_pool_and_drops_a_dead_one() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let orca = the(&accounts, ORCA_SOL_USDC);
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    stub.remove(&orca.pubkey); // not created yet
    let geyser = GeyserServerHandle::start();
    let mut settings = live_settings(&geyser.endpoint(), Some(stub.url()), vec![]);
    let mut discovery = quick(vec![Target::Pair([SOL, USDC])]);
    discovery.interval = Duration::from_millis(500);
    settings.live.as_mut().unwrap().discovery = Some(discovery);
    let server = support::start(settings).await;
    let mut client = client_for(&server, &[Channel::Prices, Channel::Logs]).await;
    eventually("a first round", 10, || {
        stub.program_account_calls.lock().unwrap().len() >= 10
    })
    .await;
    assert!(
        server.pools.followed().is_empty(),
        "nothing worth following yet"
    );

    // The pool appears on chain: the next round follows it, and its prices reach /ws.
    stub.set(orca.clone());
    assert_eq!(price_of(&mut client, ORCA_SOL_USDC, 15).await, "SOL/USDC");
    assert!(server.pools.followed().contains(&orca.pubkey));
    let metrics = support::live::metrics(&server).await;
    assert!(
        metrics.contains("dexmon_pool_changes_total{change=\"added\",origin=\"discovery\"}"),
        "each change is counted"
    );
    eventually("subscribed", 10, || {
        geyser.shared.subscribed_accounts().contains(ORCA_SOL_USDC)
    })
    .await;

    // It is closed: the next round drops it, its price is withdrawn and the stream stops
    // following it; the client saw it as a log message and never lost its connection.
    stub.remove(&orca.pubkey);
    eventually("dropped", 10, || server.pools.followed().is_empty()).await;
    eventually("unsubscribed", 10, || {
        !geyser.shared.subscribed_accounts().contains(ORCA_SOL_USDC)
    })
    .await;
    // The pipeline task withdraws the price when it takes the removal, which can come just
    // after the subscription changed.
    eventually("its price withdrawn", 10, || {
        server.hub.prices().iter().all(|p| p.pool != ORCA_SOL_USDC)
    })
    .await;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), client.next_event())
            .await
            .expect("the removal is logged")
            .unwrap()
            .unwrap();
        match event {
            Event::Message(ServerMessage::Log(log)) if log.message == "pool removed" => {
                assert_eq!(log.context.unwrap()["pool"], ORCA_SOL_USDC);
                break;
            }
            Event::Disconnected { .. } => panic!("client dropped"),
            _ => {}
        }
    }
    server.stop();
    server.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_refusing_discovery_leaves_the_configured_addresses() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    stub.refuse_program_accounts.store(true, Ordering::Relaxed);
    let geyser = GeyserServerHandle::start();
    let configured = the(&accounts, "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig");
    let mut settings = live_settings(
        &geyser.endpoint(),
        Some(stub.url()),
        vec![configured.pubkey],
    );
    let mut discovery = quick(vec![Target::Pair([SOL, USDC])]);
    discovery.interval = Duration::from_millis(300); // asked again (and refused) each round
    settings.live.as_mut().unwrap().discovery = Some(discovery);
    let server = support::start(settings).await;
    let mut client = client_for(&server, &[Channel::Prices, Channel::Logs]).await;
    price_of(&mut client, &configured.pubkey.to_string(), 15).await;
    let message = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), client.next_event())
            .await
            .expect("the refusal is logged")
            .unwrap()
            .unwrap();
        if let Event::Message(ServerMessage::Log(log)) = event
            && log.message.contains("getProgramAccounts")
        {
            break log.message;
        }
    };
    assert!(
        message.contains("configured addresses only (1 pools)"),
        "{message}"
    );
    assert_eq!(server.pools.followed(), BTreeSet::from([configured.pubkey]));
    server.stop();
    server.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_discover_prints_a_pools_section_to_paste() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    use clap::Parser as _;
    let cli = monitor::cli::Cli::parse_from(["monitor", "discover", "--pairs", "SOL/USDC"]);
    let text = monitor::discovery::command::run(&cli, &["SOL/USDC".into()], &[], Some(&stub.url()))
        .await
        .unwrap();
    eprintln!("{text}");
    // It parses as the configuration it is meant for, and names the pool it keeps.
    let config = monitor::config::FileConfig::parse(&text).unwrap();
    assert_eq!(config.pools.addresses, vec![ORCA_SOL_USDC.to_owned()]);
    let line = text.lines().find(|l| l.contains(ORCA_SOL_USDC)).unwrap();
    assert!(
        line.contains("SOL/USDC orca whirlpool, liquidity ") && line.contains(" USDC, fee "),
        "{line}"
    );
    // Every skipped pool is listed with its reason.
    assert_eq!(
        text.matches("cannot be valued: missing").count(),
        4,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_pools_get_their_symbols_from_metadata_too() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let geyser = GeyserServerHandle::start();
    // The complete Meteora pool whose Token-2022 mint carries its own metadata.
    let pool = the(&accounts, "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc");
    let (_, [mint, _]) = program_and_mints(&pool).unwrap();
    let settings = live_settings(&geyser.endpoint(), Some(stub.url()), vec![pool.pubkey]);
    let server = support::start(settings).await;
    let mut client = client_for(&server, &[Channel::Prices]).await;
    let address_label: String = mint.to_string().chars().take(6).collect();
    // Its first price may come before the symbol is read. The pool is not written again
    // here: learning the symbol republishes its price under the new label by itself.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let label = loop {
        let pair = price_of(&mut client, &pool.pubkey.to_string(), 20).await;
        if !pair.starts_with(&address_label) {
            break pair;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {pair}");
    };
    assert!(label.ends_with("/SOL"), "{label}");
    eprintln!("configured pool priced as {label}");
    server.stop();
    server.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_finds_every_pool_holding_it() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let found = discover(
        &rpc(&stub),
        &quick(vec![Target::Token(SOL)]),
        &TokenRegistry::default(),
    )
    .await
    .unwrap();
    let expected: BTreeSet<Pubkey> = accounts
        .iter()
        .filter(|a| program_and_mints(a).is_some_and(|(_, m)| m.contains(&SOL)))
        .map(|a| a.pubkey)
        .collect();
    let seen: BTreeSet<Pubkey> = found
        .kept
        .iter()
        .map(|k| k.address)
        .chain(found.skipped.iter().map(|s| s.address))
        .collect();
    assert_eq!(seen, expected);
    // Valued in the followed token, whatever the other one.
    assert!(found.kept.len() >= 3, "{found:?}");
    assert!(
        found
            .kept
            .iter()
            .all(|k| k.valued_in == SOL && k.decimals == 9)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_in_flight_are_bounded() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    stub.program_accounts_delay_ms.store(40, Ordering::Relaxed);
    let mut settings = quick(vec![Target::Pair([SOL, USDC]), Target::Token(USDC)]);
    settings.concurrency = 3;
    discover(&rpc(&stub), &settings, &TokenRegistry::default())
        .await
        .unwrap();
    assert_eq!(stub.program_account_calls.lock().unwrap().len(), 20);
    assert_eq!(
        stub.max_in_flight.load(Ordering::SeqCst),
        3,
        "at most 3, and 3 used"
    );
}
