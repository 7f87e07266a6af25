//! The live source through the real `yellowstone-grpc-client`, against an in-process Geyser
//! gRPC server and an axum JSON-RPC stub, both serving real mainnet accounts from the
//! fixtures (see `support/geyser.rs` for what is real and what is scripted).

mod support;

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use decoder::{DecodedAccount, Pubkey, decode_account};
use monitor::backoff::Backoff;
use protocol::SourceState;
use support::geyser::{
    Account, Generation, GeyserServerHandle, RpcStub, fixture_accounts, fixture_pools,
};
use support::live::{
    a_vault, assert_streaming_and_ready, eventually, grpc, live_settings, prices, ready,
    vault_write,
};
use support::start;

/// Everything a pool needs, from its own bytes: vaults, mints and (for Orca) arrays.
fn needs_of(pool: &Account) -> Vec<Pubkey> {
    match decode_account(&pool.owner, &pool.data).unwrap() {
        DecodedAccount::RaydiumAmmV4(p) => {
            vec![p.coin_vault(), p.pc_vault(), p.coin_mint(), p.pc_mint()]
        }
        DecodedAccount::Whirlpool(p) => {
            let span = 88 * i32::from(p.tick_spacing());
            let start = p.tick_current_index().div_euclid(span) * span;
            vec![
                p.token_vault_a(),
                p.token_vault_b(),
                p.token_mint_a(),
                p.token_mint_b(),
                market::address::whirlpool_tick_array(&pool.pubkey, start),
            ]
        }
        DecodedAccount::DlmmLbPair(p) => vec![p.reserve_x(), p.reserve_y(), p.token_x_mint()],
        DecodedAccount::RaydiumCpmmPool(p) => {
            vec![p.token_0_vault(), p.token_1_vault(), p.amm_config()]
        }
        DecodedAccount::RaydiumClmmPool(p) => {
            vec![p.token_vault_0(), p.token_vault_1(), p.amm_config()]
        }
        other => panic!("not a pool: {other:?}"),
    }
}

/// Publishes every fixture account the server's current filter names, at `slot`.
fn publish_subscribed(server: &GeyserServerHandle, accounts: &[Account], slot: u64) -> usize {
    let wanted = server.shared.subscribed_accounts();
    let mut n = 0;
    for a in accounts
        .iter()
        .filter(|a| wanted.contains(&a.pubkey.to_string()))
    {
        server.shared.publish(a, &a.data, slot);
        n += 1;
    }
    server.shared.publish_slot(slot);
    n
}

/// The subscription is built from the decoded pools (vaults, mints, configs, arrays around
/// the price, and a slots filter), the token is sent, and prices come out of the stream alone.
/// A monitor following the fixture pools through one in-process Geyser server that answers
/// like `generation`, with the RPC stub at slot 300,000,000, once it has subscribed.
async fn subscribed_monitor(
    accounts: &[Account],
    generation: Generation,
) -> (RpcStub, GeyserServerHandle, monitor::Running) {
    let rpc = RpcStub::start(accounts, 300_000_000).await;
    let geyser = GeyserServerHandle::start();
    geyser.shared.set_generation(generation);
    let server = start(live_settings(
        &geyser.endpoint(),
        Some(rpc.url()),
        fixture_pools(accounts),
    ))
    .await;
    eventually("subscribed", 10, || {
        geyser.shared.subscribes.load(Ordering::Relaxed) >= 1
    })
    .await;
    (rpc, geyser, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_follows_each_pool_and_prices_come_out() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let pools = fixture_pools(&accounts);
    let geyser = GeyserServerHandle::start();
    *geyser.shared.x_token.lock().unwrap() = Some("test-token".into());
    let server = start(live_settings(&geyser.endpoint(), None, pools.clone())).await;

    // First the pools alone: nothing is known about them yet.
    eventually("first subscribe", 10, || {
        geyser.shared.subscribes.load(Ordering::Relaxed) >= 1
    })
    .await;
    let first = geyser.shared.subscribe_requests()[0].clone();
    assert_eq!(first.from_slot, None);
    assert_eq!(first.commitment, Some(0), "processed by default");
    assert!(!first.slots.is_empty(), "a slots filter follows the tip");
    let named: HashSet<String> = first
        .accounts
        .values()
        .flat_map(|f| f.account.clone())
        .collect();
    assert_eq!(named, pools.iter().map(ToString::to_string).collect());

    // The pools arrive; the client re-subscribes with what they need.
    publish_subscribed(&geyser, &accounts, 300_000_000);
    let needed: Vec<(String, Pubkey)> = accounts
        .iter()
        .filter(|a| pools.contains(&a.pubkey))
        .flat_map(|pool| needs_of(pool).into_iter().map(|n| (pool.kind.clone(), n)))
        .collect();
    let missing = || {
        let wanted = geyser.shared.subscribed_accounts();
        needed
            .iter()
            .filter(|(_, n)| !wanted.contains(&n.to_string()))
            .cloned()
            .collect::<Vec<_>>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !missing().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(missing(), vec![], "needed by the pools but not subscribed");
    assert!(
        geyser.shared.subscribe_requests().len() >= 2,
        "re-subscribed"
    );

    // Their vaults, configs and arrays arrive; prices come out.
    let sent = publish_subscribed(&geyser, &accounts, 300_000_001);
    eventually("prices from the stream", 15, || {
        server.live.account_updates.load(Ordering::Relaxed) as usize >= sent
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let priced = loop {
        let p = prices(&server).await;
        if p.len() >= 3 || tokio::time::Instant::now() > deadline {
            // Let the rest of the batch through before reading the final set.
            tokio::time::sleep(Duration::from_millis(500)).await;
            break prices(&server).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let dexes: HashSet<&str> = priced.iter().filter_map(|p| p["dex"].as_str()).collect();
    let types: HashSet<&str> = priced
        .iter()
        .filter_map(|p| p["pool_type"].as_str())
        .collect();
    eprintln!(
        "{} pools priced from the stream: {dexes:?} {types:?}",
        priced.len()
    );
    assert!(priced.len() >= 3, "prices: {priced:?}");
    assert!(priced.iter().all(|p| {
        p["price"]
            .as_f64()
            .is_some_and(|x| x > 0.0 && x.is_finite())
    }));
    assert!(priced.iter().any(|p| p["slot"] == 300_000_001));
    assert_eq!(server.source.get().0, SourceState::Connected);
    server.stop();
    server.wait().await.unwrap();
}

/// Killing the server mid-stream: the client reconnects, resumes with `from_slot` at the last
/// delivered slot, and every write made while it was gone arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_is_resumed_from_the_last_delivered_slot() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let vault = accounts
        .iter()
        .find(|a| a.kind == "spl-token.TokenAccount")
        .unwrap()
        .clone();
    let pool = accounts
        .iter()
        .find(|a| a.kind == "raydium-amm-v4.AmmInfo")
        .unwrap();
    let mut geyser = GeyserServerHandle::start();
    let server = start(live_settings(
        &geyser.endpoint(),
        None,
        vec![pool.pubkey, vault.pubkey],
    ))
    .await;
    eventually("subscribed", 10, || {
        geyser.shared.subscribes.load(Ordering::Relaxed) >= 1
    })
    .await;

    for slot in 100..=110 {
        geyser
            .shared
            .publish(&vault, &vault_write(&vault, slot), slot);
    }
    eventually("slots 100..=110 delivered", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 110
    })
    .await;
    assert_eq!(server.live.account_updates.load(Ordering::Relaxed), 11);

    geyser.kill();
    for slot in 111..=115 {
        // Written while the client is away: only replay can bring these.
        geyser
            .shared
            .publish(&vault, &vault_write(&vault, slot), slot);
    }
    eventually("client notices", 10, || {
        server.source.get().0 != SourceState::Connected
    })
    .await;
    geyser.restart();
    eventually("slots 111..=115 replayed", 15, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 115
    })
    .await;

    let resumed = geyser.shared.subscribe_requests().last().unwrap().clone();
    assert_eq!(
        resumed.from_slot,
        Some(110),
        "resume from the last delivered slot"
    );
    assert_eq!(
        server.live.account_updates.load(Ordering::Relaxed),
        16,
        "no loss, no duplicate"
    );
    assert!(
        server.live.duplicates.load(Ordering::Relaxed) >= 1,
        "slot 110 replayed and dropped"
    );
    assert!(server.source.reconnects.load(Ordering::Relaxed) >= 1);
    eventually("connected again", 10, || {
        server.source.get().0 == SourceState::Connected
    })
    .await;
    server.stop();
    server.wait().await.unwrap();
}

/// A stream that stays open but says nothing is dead after the watchdog period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_stream_trips_the_watchdog() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let geyser = GeyserServerHandle::start();
    geyser.shared.silent.store(true, Ordering::Relaxed);
    let mut settings = live_settings(&geyser.endpoint(), None, fixture_pools(&accounts));
    grpc(&mut settings).watchdog = Duration::from_millis(500);
    let server = start(settings).await;
    eventually("watchdog trips", 10, || {
        server.live.endpoints[0]
            .watchdog_trips
            .load(Ordering::Relaxed)
            >= 1
    })
    .await;
    eventually("and it subscribes again", 10, || {
        geyser.shared.subscribes.load(Ordering::Relaxed) >= 2
    })
    .await;
    server.stop();
    server.wait().await.unwrap();
}

/// Server pings are answered with a ping-only request that leaves the filters alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_pings_are_answered() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let geyser = GeyserServerHandle::start();
    geyser.shared.ping_on_connect.store(true, Ordering::Relaxed);
    let pools = fixture_pools(&accounts);
    let server = start(live_settings(&geyser.endpoint(), None, pools.clone())).await;
    eventually("ping answered", 10, || {
        geyser.shared.ping_replies.load(Ordering::Relaxed) >= 1
    })
    .await;
    assert_eq!(
        server.live.endpoints[0]
            .pings_answered
            .load(Ordering::Relaxed),
        1
    );
    assert_eq!(
        geyser.shared.subscribed_accounts().len(),
        pools.len(),
        "filters unchanged"
    );
    server.stop();
    server.wait().await.unwrap();
}

/// While the stream is down, RPC polling keeps prices current and health says so; when the
/// stream is back, it takes over again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_falls_back_to_rpc_polling_and_streaming_resumes() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let pools = fixture_pools(&accounts);
    let rpc = RpcStub::start(&accounts, 300_000_000).await;
    let mut geyser = GeyserServerHandle::start();
    let mut settings = live_settings(&geyser.endpoint(), Some(rpc.url()), pools);
    // A long backoff, so the outage lasts several polls.
    grpc(&mut settings).backoff = Backoff::new(
        Duration::from_secs(2),
        Duration::from_secs(2),
        Duration::from_secs(60),
    )
    .unwrap();
    let server = start(settings).await;
    eventually("streaming", 10, || {
        server.source.get().0 == SourceState::Connected
            || geyser.shared.subscribes.load(Ordering::Relaxed) >= 1
    })
    .await;
    // The snapshot's accounts go through the pipeline on their own time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut priced_before = prices(&server).await.len();
    while priced_before < 3 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        priced_before = prices(&server).await.len();
    }
    assert!(
        priced_before >= 3,
        "the snapshot prices pools: {priced_before}"
    );

    geyser.kill();
    eventually("fallback engaged", 10, || {
        server.source.get().0 == SourceState::Fallback
    })
    .await;
    let (_, reason) = server.source.get();
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("polling RPC")),
        "{reason:?}"
    );
    let ready: serde_json::Value = reqwest::get(format!("http://{}/ready", server.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        ready.to_string().contains("fallback") || ready.to_string().contains("polling"),
        "{ready}"
    );

    // A vault changes while the stream is down: polling picks it up.
    let vault = accounts
        .iter()
        .find(|a| a.kind == "spl-token.TokenAccount")
        .unwrap()
        .clone();
    let changed = Account {
        data: vault_write(&vault, 300_000_050),
        ..vault.clone()
    };
    rpc.set(changed);
    rpc.slot.store(300_000_050, Ordering::Relaxed);
    eventually("polls deliver", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) >= 300_000_050
    })
    .await;
    assert!(server.live.fallback_polls.load(Ordering::Relaxed) >= 2);

    geyser.restart();
    eventually("streaming again", 15, || {
        server.source.get().0 == SourceState::Connected
    })
    .await;
    geyser
        .shared
        .publish(&vault, &vault_write(&vault, 300_000_060), 300_000_060);
    eventually("stream delivers after the outage", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) >= 300_000_060
    })
    .await;
    let polls = server.live.fallback_polls.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        server.live.fallback_polls.load(Ordering::Relaxed),
        polls,
        "polling stopped"
    );
    server.stop();
    server.wait().await.unwrap();
}

/// A server without replay (`replay_stored_slots = 0`) answers every `from_slot` with
/// INTERNAL "from_slot is not supported". The state is re-read over RPC, the stream starts
/// fresh, and the endpoint is not asked to replay again: the next reconnect is fresh too,
/// and re-reads again because nothing else covered the gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_replay_is_reread_and_never_asked_again() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let vault = a_vault(&accounts);
    let (rpc, mut geyser, server) = subscribed_monitor(&accounts, Generation::NoReplay).await;
    geyser
        .shared
        .publish(&vault, &vault_write(&vault, 300_000_010), 300_000_010);
    eventually("stream delivers", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 300_000_010
    })
    .await;

    // First outage: it asks to resume, is refused, re-reads, subscribes fresh.
    geyser.kill();
    rpc.slot.store(300_000_020, Ordering::Relaxed);
    geyser.restart();
    eventually("re-read after the refusal", 15, || {
        server.live.resnapshots.load(Ordering::Relaxed) >= 2
    })
    .await;
    eventually("fresh subscription", 15, || {
        geyser.shared.subscribe_requests().len() >= 3
    })
    .await;
    let endpoint = &server.live.endpoints[0];
    assert!(endpoint.replay_unsupported.load(Ordering::Relaxed));
    assert_streaming_and_ready(&server).await;

    // Second outage: no from_slot this time, and the gap is re-read again.
    geyser.kill();
    rpc.slot.store(300_000_030, Ordering::Relaxed);
    geyser.restart();
    eventually("re-read after the second outage", 15, || {
        server.live.resnapshots.load(Ordering::Relaxed) >= 3
    })
    .await;
    let from_slots: Vec<_> = geyser
        .shared
        .subscribe_requests()
        .iter()
        .map(|r| r.from_slot)
        .collect();
    assert_eq!(
        from_slots,
        vec![None, Some(300_000_010), None, None],
        "asked to replay once only"
    );
    assert_eq!(endpoint.replay_refusals.load(Ordering::Relaxed), 1);
    eventually("the re-read state arrives", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) >= 300_000_030
    })
    .await;
    assert_streaming_and_ready(&server).await;
    let stats: serde_json::Value = reqwest::get(format!("http://{}/api/stats", server.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["endpoints"][0]["replay"], false, "{stats}");
    server.stop();
    server.wait().await.unwrap();
}

/// A gap beyond the replay window, as `generation` words it: re-read over RPC, subscribe
/// fresh, and keep asking to replay next time (the server can, just not that far back).
async fn a_gap_beyond_the_window_is_reread(generation: Generation) {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let vault = a_vault(&accounts);
    let (rpc, mut geyser, server) = subscribed_monitor(&accounts, generation).await;
    assert_eq!(
        server.live.resnapshots.load(Ordering::Relaxed),
        1,
        "the initial snapshot"
    );
    let first = geyser.shared.subscribe_requests()[0].clone();
    assert!(
        first
            .accounts
            .values()
            .map(|f| f.account.len())
            .sum::<usize>()
            > 20,
        "the snapshot found the dependencies"
    );
    geyser
        .shared
        .publish(&vault, &vault_write(&vault, 300_000_010), 300_000_010);
    eventually("stream delivers", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 300_000_010
    })
    .await;

    geyser.kill();
    geyser
        .shared
        .replay_floor
        .store(300_000_500, Ordering::Relaxed);
    rpc.slot.store(300_000_600, Ordering::Relaxed);
    geyser.restart();
    eventually("re-read after the refusal", 15, || {
        server.live.resnapshots.load(Ordering::Relaxed) >= 2
    })
    .await;
    eventually("the re-read state arrives", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) >= 300_000_600
    })
    .await;
    assert_streaming_and_ready(&server).await;
    let endpoint = &server.live.endpoints[0];
    assert_eq!(endpoint.replay_refusals.load(Ordering::Relaxed), 1);
    assert!(!endpoint.replay_unsupported.load(Ordering::Relaxed));

    // Streaming again: the next outage resumes, inside the window.
    geyser.shared.publish_slot(300_000_700);
    eventually("checkpoint advances", 10, || {
        endpoint.checkpoint.load(Ordering::Relaxed) == 300_000_700
    })
    .await;
    geyser.kill();
    geyser.restart();
    eventually("resumed", 15, || {
        geyser.shared.subscribe_requests().last().unwrap().from_slot == Some(300_000_700)
    })
    .await;
    assert_streaming_and_ready(&server).await;
    let from_slots: Vec<_> = geyser
        .shared
        .subscribe_requests()
        .iter()
        .map(|r| r.from_slot)
        .collect();
    assert_eq!(
        from_slots,
        vec![None, Some(300_000_010), None, Some(300_000_700)]
    );
    server.stop();
    server.wait().await.unwrap();
}

/// Servers before 12.3 / 13.1: INTERNAL "broadcast from N is not available, last available: M".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_gap_answer_is_reread_and_streams_fresh() {
    a_gap_beyond_the_window_is_reread(Generation::InternalGap).await;
}

/// 12.3 / 13.1 and later: OUT_OF_RANGE with the same text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_range_gap_answer_is_reread_and_streams_fresh() {
    a_gap_beyond_the_window_is_reread(Generation::OutOfRangeGap).await;
}

/// A refused `x-token` is `down: unauthorized`, not ready, and retried after the slow
/// delay, not at the backoff's pace; once the server accepts it, streaming resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_down_unauthorized_and_retried_slowly() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let rpc = RpcStub::start(&accounts, 300_000_000).await;
    let geyser = GeyserServerHandle::start();
    *geyser.shared.x_token.lock().unwrap() = Some("the-right-token".into());
    let mut settings = live_settings(
        &geyser.endpoint(),
        Some(rpc.url()),
        fixture_pools(&accounts),
    );
    grpc(&mut settings).unauthorized_retry = Duration::from_secs(3);
    let server = start(settings).await;
    eventually("refused", 10, || server.live.endpoints[0].unauthorized()).await;
    let (status, body) = ready(&server).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("unauthorized"),
        "{body}"
    );
    assert_eq!(body["endpoints"][0]["state"], "down", "{body}");
    let (_, reason) = server.live.endpoints[0].status.get();
    assert!(
        reason.as_deref().unwrap().starts_with("unauthorized"),
        "{reason:?}"
    );

    // The operator fixes the token on their side; the slow retry picks it up.
    *geyser.shared.x_token.lock().unwrap() = Some("test-token".into());
    assert_streaming_and_ready(&server).await;
    assert_eq!(
        geyser.shared.refused.load(Ordering::Relaxed),
        1,
        "one refused attempt, not a loop at the 50 ms backoff"
    );
    server.stop();
    server.wait().await.unwrap();
}

/// RPC polling standing in for the stream longer than `max_fallback` makes `/ready` 503;
/// the stream coming back makes it 200 again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_fallback_is_not_ready() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let rpc = RpcStub::start(&accounts, 300_000_000).await;
    let mut geyser = GeyserServerHandle::start();
    let mut settings = live_settings(
        &geyser.endpoint(),
        Some(rpc.url()),
        fixture_pools(&accounts),
    );
    settings
        .live
        .as_mut()
        .unwrap()
        .rpc
        .as_mut()
        .unwrap()
        .max_fallback = Duration::from_secs(1);
    let server = start(settings).await;
    assert_streaming_and_ready(&server).await;
    geyser.kill();
    eventually("fallback", 10, || {
        server.source.get().0 == SourceState::Fallback
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let body = loop {
        let (status, body) = ready(&server).await;
        if status == 503 {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still ready: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        body["reason"].as_str().unwrap().contains("RPC polling"),
        "{body}"
    );
    assert!(body["fallback_secs"].as_u64().unwrap() >= 1, "{body}");
    geyser.restart();
    assert_streaming_and_ready(&server).await;
    server.stop();
    server.wait().await.unwrap();
}

/// Pools quiet for longer than the replay window: slots keep ticking, so the checkpoint is
/// recent and a reconnect resumes inside the window, with no refusal and no RPC re-read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_pool_resumes_from_the_slot_checkpoint() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let vault = a_vault(&accounts);
    let (_rpc, mut geyser, server) = subscribed_monitor(&accounts, Generation::OutOfRangeGap).await;
    geyser
        .shared
        .publish(&vault, &vault_write(&vault, 300_000_010), 300_000_010);
    // 300 slots (two minutes of chain) without a write to any followed account.
    for slot in 300_000_011..=300_000_310 {
        geyser.shared.publish_slot(slot);
    }
    let endpoint = &server.live.endpoints[0];
    eventually("checkpoint at the last slot", 10, || {
        endpoint.checkpoint.load(Ordering::Relaxed) == 300_000_310
    })
    .await;
    // The server keeps the last 150 slots.
    geyser
        .shared
        .replay_floor
        .store(300_000_160, Ordering::Relaxed);
    geyser.kill();
    geyser.restart();
    eventually("resubscribed", 15, || {
        geyser.shared.subscribe_requests().len() >= 2
    })
    .await;
    assert_eq!(
        geyser.shared.subscribe_requests()[1].from_slot,
        Some(300_000_310),
        "resumes from the slot checkpoint, not from the last write (300_000_010)"
    );
    assert_streaming_and_ready(&server).await;
    assert_eq!(endpoint.replay_refusals.load(Ordering::Relaxed), 0);
    assert_eq!(
        server.live.resnapshots.load(Ordering::Relaxed),
        1,
        "only the initial snapshot"
    );
    server.stop();
    server.wait().await.unwrap();
}
