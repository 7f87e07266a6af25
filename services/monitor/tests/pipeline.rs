//! The pipeline end to end on the simulator's genuine account bytes: prices come out for every
//! pool, and lagging pools open opportunities that the detector reports.

mod support;

use std::sync::Arc;

use monitor::hub::Hub;
use monitor::source::simulator::{Market, SimulatorConfig};
use protocol::{Channel, OpportunityStatus, ServerMessage};

#[test]
fn the_simulated_market_produces_prices_and_opportunities() {
    let hub = Arc::new(Hub::new(1 << 20));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    assert_eq!(
        hub.prices().len(),
        16,
        "every simulated pool is priced from its accounts"
    );
    for _ in 0..3_000 {
        let updates = market.step();
        pipeline.process(updates, None);
    }
    let mut opened = 0;
    let mut closed = 0;
    while let Ok(p) = rx.try_recv() {
        if let ServerMessage::Opportunity(o) = p.message.message() {
            match o.status {
                OpportunityStatus::Open => opened += 1,
                OpportunityStatus::Close => closed += 1,
                OpportunityStatus::Update => {}
            }
        }
    }
    assert!(
        opened >= 5 && closed >= 1,
        "opened {opened}, closed {closed}"
    );
    assert!(hub.published(Channel::Prices) > 100);
    let stats = &pipeline.stats;
    assert_eq!(
        stats
            .decode_failures
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    assert_eq!(
        stats
            .model_failures
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn seq_grows_by_one_per_channel_message() {
    let hub = Arc::new(Hub::new(1 << 16));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    for _ in 0..500 {
        pipeline.process(market.step(), None);
    }
    let mut last = [0u64; 4];
    while let Ok(p) = rx.try_recv() {
        assert_eq!(p.seq, last[p.channel.index()] + 1, "gap on {}", p.channel);
        assert_eq!(p.message.message().seq(), Some(p.seq));
        last[p.channel.index()] = p.seq;
    }
    assert!(last[Channel::Prices.index()] > 0);
}

/// A pipeline that priced the simulator's whole market, and a receiver that saw none of that.
fn simulated_after_snapshot() -> (
    tokio::sync::broadcast::Receiver<monitor::hub::Published>,
    monitor::pipeline::Pipeline,
    Market,
) {
    let hub = Arc::new(Hub::new(1 << 20));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub);
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    while rx.try_recv().is_ok() {}
    (rx, pipeline, market)
}

/// A batch's prices are published before any of its detection work: no `price_update` of a
/// batch follows one of its `opportunity` messages. Both carry the microsecond time their
/// update arrived.
#[test]
fn a_batch_publishes_every_price_before_its_opportunities() {
    let (mut rx, mut pipeline, mut market) = simulated_after_snapshot();
    let started_us = unix_us();
    let (mut batches_with_both, mut opportunities) = (0, 0);
    for _ in 0..300 {
        // Twenty swaps a batch, as under load: several pools change in one batch.
        let batch: Vec<_> = (0..20).flat_map(|_| market.step()).collect();
        pipeline.process(batch, None);
        let mut seen_opportunity = false;
        let mut seen_price = false;
        while let Ok(p) = rx.try_recv() {
            match p.message.message() {
                ServerMessage::PriceUpdate(price) => {
                    assert!(
                        !seen_opportunity,
                        "price of {} published after an opportunity of its batch",
                        price.pool
                    );
                    seen_price = true;
                    let received = price.update_received_us.expect("price carries its stamp");
                    assert!((started_us..=unix_us()).contains(&received));
                }
                ServerMessage::Opportunity(o) => {
                    seen_opportunity = true;
                    opportunities += 1;
                    let received = o.timing.update_received_us.expect("trigger's stamp");
                    assert!((started_us..=unix_us()).contains(&received));
                }
                _ => {}
            }
        }
        batches_with_both += usize::from(seen_price && seen_opportunity);
    }
    assert!(
        batches_with_both >= 5,
        "only {batches_with_both} batches had both prices and opportunities ({opportunities} opportunities)"
    );
}

/// Live, pricing runs ahead of detection: two batches priced back to back publish all their
/// prices before any detection, and detection then runs once per changed pool, on its latest
/// state.
#[test]
fn live_detection_waits_behind_new_prices_and_runs_once_per_pool() {
    let (mut rx, mut pipeline, mut market) = simulated_after_snapshot();
    let stats = pipeline.stats.clone();
    let detections = || pipeline_stat(&stats.detect_latency_count);
    let before = detections();
    for _ in 0..2 {
        let batch: Vec<_> = (0..40).flat_map(|_| market.step()).collect();
        pipeline.price_at(batch, None, monitor::clock::BatchClock::wall());
    }
    assert_eq!(detections(), before, "nothing detected while pricing");
    let mut prices = 0;
    while let Ok(p) = rx.try_recv() {
        match p.message.message() {
            ServerMessage::PriceUpdate(_) => prices += 1,
            ServerMessage::Opportunity(o) => panic!("opportunity {} before detection ran", o.id),
            _ => {}
        }
    }
    assert!(prices > 0);
    let mut detected = 0;
    while pipeline.detect_next() {
        detected += 1;
    }
    assert!(
        (1..=16).contains(&detected),
        "one detection per changed pool of the 16: {detected}"
    );
    assert_eq!(detections(), before + detected);
    assert!(!pipeline.detection_pending());
}

fn pipeline_stat(counter: &std::sync::atomic::AtomicU64) -> u64 {
    counter.load(std::sync::atomic::Ordering::Relaxed)
}

fn unix_us() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    u64::try_from(since.as_micros()).expect("fits")
}

/// The real fixture accounts as one batch at `slot`.
fn fixture_batch(
    accounts: &[support::geyser::Account],
    slot: u64,
) -> Vec<monitor::source::AccountUpdate> {
    accounts
        .iter()
        .map(|a| monitor::source::AccountUpdate {
            pubkey: a.pubkey,
            owner: a.owner,
            data: a.data.clone().into(),
            slot,
            write_version: None,
            received_at_us: monitor::clock::monotonic_us(),
            source: monitor::source::SourceKind::Replay,
        })
        .collect()
}

/// Real mainnet pools are published at the scale their mints' decimals give, also for tokens
/// outside the built-in list; a pool whose mint becomes unquotable is withdrawn and reported
/// once, with its reason, in `/api/pools`' source.
#[test]
fn real_pools_are_priced_with_their_mints_decimals_and_withdrawn_when_unquotable() {
    let Some(accounts) = support::geyser::fixture_accounts() else {
        return;
    };
    let hub = Arc::new(Hub::new(1 << 16));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    pipeline.process(fixture_batch(&accounts, 100), None);
    let price = |pool: &str| hub.prices().into_iter().find(|p| p.pool == pool);
    // A 9-decimal token against SOL, and a 9/6-decimal pair; both outside the built-in list.
    let close = |p: f64, expected: f64| (p / expected - 1.0).abs() < 0.01;
    let etad = price("EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig").expect("EtAdVR priced");
    assert!(
        close(etad.price, 1.4483e-3) || close(1.0 / etad.price, 1.4483e-3),
        "{etad:?}"
    );
    let t3ey = price("9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd").expect("9t3EyC priced");
    assert!(
        close(t3ey.price, 0.001) || close(t3ey.price, 1_000.0),
        "{t3ey:?}"
    );

    let sol_usdc = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
    assert!(price(sol_usdc).is_some());
    let pool_state = accounts
        .iter()
        .find(|a| a.pubkey.to_string() == sol_usdc)
        .unwrap();
    let decoder::DecodedAccount::Whirlpool(w) =
        decoder::decode_account(&pool_state.owner, &pool_state.data).unwrap()
    else {
        unreachable!()
    };
    // Mint A (SOL, shared by every SOL pool here) turns into a paused Token-2022 mint.
    let paused = decoder::encode::token_2022_mint(
        9,
        1,
        &[(
            decoder::token::extension_type::PAUSABLE,
            [[0u8; 32].as_slice(), &[1]].concat(),
        )],
    );
    let mint = monitor::source::AccountUpdate {
        pubkey: w.token_mint_a(),
        owner: decoder::SPL_TOKEN_2022,
        data: paused.into(),
        slot: 101,
        write_version: None,
        received_at_us: monitor::clock::monotonic_us(),
        source: monitor::source::SourceKind::Replay,
    };
    while rx.try_recv().is_ok() {}
    pipeline.process(vec![mint.clone()], None);
    assert!(
        price(sol_usdc).is_none(),
        "an unquotable pool's price is withdrawn"
    );
    let unpriced = pipeline.stats.unpriced.lock().unwrap().clone();
    let entry = unpriced
        .get(&sol_usdc.parse().unwrap())
        .expect("listed as not priced");
    assert!(
        !entry.waiting && entry.reason.contains("Paused"),
        "{entry:?}"
    );
    // The vault moving again does not report it a second time.
    let vault = accounts
        .iter()
        .find(|a| a.pubkey == w.token_vault_a())
        .unwrap();
    pipeline.process(fixture_batch(std::slice::from_ref(vault), 102), None);
    let mut reports = 0;
    while let Ok(p) = rx.try_recv() {
        if let ServerMessage::Log(l) = p.message.message() {
            let about_this_pool = l
                .context
                .as_ref()
                .and_then(|c| c.get("pool"))
                .is_some_and(|p| p == sol_usdc);
            reports += usize::from(l.message == "pool cannot be priced" && about_this_pool);
        }
    }
    assert_eq!(reports, 1, "reported once");
}

/// A pool that stops being followed (REST, `SIGHUP`, rediscovery) leaves cleanly: its open
/// opportunities close with `status: "close"`, its price is withdrawn, and its late updates
/// publish nothing.
#[test]
fn a_removed_pool_closes_its_opportunities_and_its_prices_stop() {
    let hub = Arc::new(Hub::new(1 << 20));
    let mut rx = hub.subscribe();
    let mut pipeline = support::pipeline(hub.clone());
    let mut market = Market::new(&SimulatorConfig::default());
    pipeline.process(market.snapshot(), None);
    let mut open = None;
    for _ in 0..3_000 {
        pipeline.process(market.step(), None);
        if let Some(o) = hub.open_opportunities().into_iter().next() {
            open = Some(o);
            break;
        }
    }
    let open = open.expect("the simulated market opens an opportunity");
    let pool: decoder::Pubkey = open.legs[0].pool.parse().unwrap();
    while rx.try_recv().is_ok() {}

    pipeline.control(monitor::pipeline::Control::RemovePool(pool));
    let mut closed = Vec::new();
    while let Ok(p) = rx.try_recv() {
        if let ServerMessage::Opportunity(o) = p.message.message() {
            assert_eq!(o.status, OpportunityStatus::Close, "{o:?}");
            closed.push(o.id.clone());
        }
    }
    assert!(
        closed.contains(&open.id),
        "{closed:?} should close {}",
        open.id
    );
    assert!(hub.prices().iter().all(|p| p.pool != pool.to_string()));
    assert!(
        hub.open_opportunities()
            .iter()
            .all(|o| o.legs.iter().all(|l| l.pool != pool.to_string()))
    );

    // Its accounts keep arriving for a while (in flight): no price comes out of them.
    for _ in 0..300 {
        pipeline.process(market.step(), None);
    }
    while let Ok(p) = rx.try_recv() {
        if let ServerMessage::PriceUpdate(u) = p.message.message() {
            assert_ne!(u.pool, pool.to_string(), "a removed pool was priced again");
        }
    }
    // Followed again: priced again.
    pipeline.control(monitor::pipeline::Control::AddPool(pool));
    pipeline.process(market.snapshot(), None);
    assert!(hub.prices().iter().any(|p| p.pool == pool.to_string()));
}

/// A symbol learnt at run time that another mint already has makes both labels carry the
/// address's first characters: `SOL/USDC` turns into `SOL/USDC(EPjF)`, never ambiguous.
#[test]
fn a_learnt_symbol_never_makes_a_pair_label_ambiguous() {
    let Some(accounts) = support::geyser::fixture_accounts() else {
        return;
    };
    let hub = Arc::new(Hub::new(1 << 16));
    let mut pipeline = support::pipeline(hub.clone());
    let sol_usdc = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
    let pair = |hub: &Hub| {
        hub.prices()
            .into_iter()
            .find(|p| p.pool == sol_usdc)
            .map(|p| p.pair)
    };
    pipeline.process(fixture_batch(&accounts, 100), None);
    assert_eq!(pair(&hub).as_deref(), Some("SOL/USDC"));

    // Another mint's metadata says "USDC": the pool's price goes out again at once, under the
    // now unambiguous label, though the pool itself did not change.
    let mut rx = hub.subscribe();
    let copy = decoder::Pubkey::new_unique();
    pipeline.control(monitor::pipeline::Control::Token(detector::TokenInfo {
        mint: copy.to_bytes(),
        symbol: "USDC".into(),
        decimals: 6,
        quote_rank: 0,
    }));
    assert_eq!(pair(&hub).as_deref(), Some("SOL/USDC(EPjF)"));
    let republished: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
        .filter_map(|p| match p.message.message() {
            ServerMessage::PriceUpdate(price) => Some(price.pool.clone()),
            _ => None,
        })
        .collect();
    assert!(republished.iter().any(|p| p == sol_usdc), "{republished:?}");
    // Read again, it keeps the label.
    pipeline.process(fixture_batch(&accounts, 101), None);
    assert_eq!(pair(&hub).as_deref(), Some("SOL/USDC(EPjF)"));
}
