//! Two providers at once: two in-process Geyser servers (see `support/geyser.rs`) streaming
//! the same real fixture accounts to one monitor, through the real client. Each server
//! numbers its writes from its own base, as two validators would.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use monitor::{Running, Settings};
use protocol::SourceState;
use support::geyser::{Account, Generation, GeyserServerHandle, RpcStub, fixture_accounts};
use support::live::{
    a_vault, endpoint, eventually, load, publish_everywhere, settings_for, vault_write,
};
use support::start;

/// A pool and a vault, followed through two servers named `a` and `b`.
struct TwoProviders {
    a: GeyserServerHandle,
    b: GeyserServerHandle,
    vault: Account,
    accounts: Vec<Account>,
}

impl TwoProviders {
    fn new(accounts: Vec<Account>) -> Self {
        let a = GeyserServerHandle::start();
        let b = GeyserServerHandle::start();
        a.shared.set_write_version_base(5_000_000);
        b.shared.set_write_version_base(1);
        Self {
            a,
            b,
            vault: a_vault(&accounts),
            accounts,
        }
    }

    fn settings(&self, rpc: Option<String>) -> Settings {
        let pool = self
            .accounts
            .iter()
            .find(|a| a.kind == "raydium-amm-v4.AmmInfo")
            .unwrap();
        settings_for(
            vec![
                endpoint("a", &self.a.endpoint()),
                endpoint("b", &self.b.endpoint()),
            ],
            rpc,
            vec![pool.pubkey, self.vault.pubkey],
        )
    }

    async fn start(&self, settings: Settings) -> Running {
        let server = start(settings).await;
        eventually("both subscribed", 10, || {
            load(&self.a.shared.subscribes) >= 1 && load(&self.b.shared.subscribes) >= 1
        })
        .await;
        server
    }

    /// The vault written at `slot` on both servers.
    fn write(&self, slot: u64) {
        publish_everywhere(
            &[&self.a, &self.b],
            &self.vault,
            &vault_write(&self.vault, slot),
            slot,
        );
    }
}

/// Copies the merge has dropped (duplicates and older states). Endpoints count what they
/// receive before the merge sees it, so tests wait on this, not on theirs.
fn dropped(server: &Running) -> u64 {
    load(&server.live.duplicates) + load(&server.live.older_ignored)
}

async fn api_stats(server: &Running) -> serde_json::Value {
    reqwest::get(format!("http://{}/api/stats", server.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `b` holds every message back 250 ms: `a`'s copy of each write is handed on, `b`'s is
/// dropped as a duplicate, and the race figures say `a` was first every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faster_provider_wins_and_nothing_is_handed_on_twice() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let p = TwoProviders::new(accounts);
    // Far more than scheduling noise on a loaded 2-core machine, so the order is certain.
    p.b.shared.delay_ms.store(250, Ordering::Relaxed);
    let server = p.start(p.settings(None)).await;
    for slot in 100..120 {
        p.write(slot);
    }
    let (a, b) = (&server.live.endpoints[0], &server.live.endpoints[1]);
    eventually("b's copies merged", 10, || dropped(&server) == 20).await;
    assert_eq!(load(&b.received), 20);
    assert_eq!(load(&server.live.account_updates), 20, "each write once");
    assert_eq!((load(&a.delivered), load(&b.delivered)), (20, 0));
    assert_eq!((load(&a.races_won), load(&a.races_lost)), (20, 0));
    assert_eq!((load(&b.races_won), load(&b.races_lost)), (0, 20));
    let stats = api_stats(&server).await;
    assert_eq!(
        stats["out_of_order"], 0,
        "nothing older reached the pipeline"
    );
    assert_eq!(stats["endpoints"][0]["name"], "a");
    assert_eq!(stats["endpoints"][0]["win_share"], 1.0, "{stats}");
    assert!(stats["endpoints"][0]["mean_lead_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(stats["endpoints"][1]["win_share"], 0.0, "{stats}");
    eprintln!("race figures: {}", stats["endpoints"]);

    // The dashboard's health panel lists every source of the `health` message: each
    // endpoint follows the source as a whole, with its race figures.
    let race_line = || {
        server
            .hub
            .recent(protocol::Channel::Health, 1)
            .iter()
            .find_map(|p| match p.message.message() {
                protocol::ServerMessage::Health(h) => h
                    .sources
                    .iter()
                    .find(|s| s.name == "yellowstone:a")
                    .and_then(|s| s.reason.clone()),
                _ => None,
            })
    };
    eventually("race figures in health", 10, || {
        race_line().is_some_and(|r| r.starts_with("first on 100% of 20 shared writes"))
    })
    .await;
    server.stop();
    server.wait().await.unwrap();
}

/// Killing one provider: the other carries every write, with no RPC fallback and no
/// re-read; the killed one resumes from its own checkpoint and its replay is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_provider_leaves_no_gap() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let rpc = RpcStub::start(&accounts, 50).await;
    let mut p = TwoProviders::new(accounts);
    let server = p.start(p.settings(Some(rpc.url()))).await;
    let (a, b) = (&server.live.endpoints[0], &server.live.endpoints[1]);
    let base = load(&server.live.account_updates);
    for slot in 100..=104 {
        p.write(slot);
    }
    eventually("both streams merged", 10, || dropped(&server) == 5).await;
    assert_eq!((load(&a.received), load(&b.received)), (5, 5));
    assert_eq!(load(&server.live.account_updates), base + 5);

    p.a.kill();
    eventually("a is down", 10, || {
        a.status.get().0 != SourceState::Connected
    })
    .await;
    for slot in 105..=115 {
        p.write(slot);
    }
    eventually("b carries every write", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 115
    })
    .await;
    assert_eq!(
        load(&server.live.account_updates),
        base + 16,
        "no write lost"
    );
    assert_eq!(server.source.get().0, SourceState::Connected);
    assert_eq!(load(&server.live.fallback_polls), 0, "no RPC fallback");
    assert_eq!(load(&server.live.resnapshots), 1, "only the initial read");

    p.a.restart();
    // a replays 104..=115: twelve copies, all dropped.
    eventually("a resumes and replays", 15, || dropped(&server) == 5 + 12).await;
    let resumed = p.a.shared.subscribe_requests().last().unwrap().clone();
    assert_eq!(resumed.from_slot, Some(104), "a's own checkpoint");
    assert_eq!(
        load(&server.live.account_updates),
        base + 16,
        "a's replay is all duplicates"
    );
    assert_eq!(api_stats(&server).await["out_of_order"], 0);
    server.stop();
    server.wait().await.unwrap();
}

/// A provider without replay: after an outage it refuses `from_slot` and streams fresh,
/// while the other one carried every write, so nothing is re-read over RPC.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_refusing_replay_leaves_the_other_streaming() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let rpc = RpcStub::start(&accounts, 50).await;
    let mut p = TwoProviders::new(accounts);
    p.a.shared.set_generation(Generation::NoReplay);
    let server = p.start(p.settings(Some(rpc.url()))).await;
    let a = &server.live.endpoints[0];
    let base = load(&server.live.account_updates);
    p.write(100);
    // Both copies merged: both endpoints' subscriptions are known to the merge (events
    // from one endpoint arrive in order), so a's outage is known to be covered by b.
    eventually("both copies merged", 10, || dropped(&server) == 1).await;
    assert_eq!(load(&a.checkpoint), 100);
    p.a.kill();
    eventually("a is down", 10, || {
        a.status.get().0 != SourceState::Connected
    })
    .await;
    p.a.restart();
    eventually("a refused and streams fresh", 15, || {
        a.replay_unsupported.load(Ordering::Relaxed) && a.status.get().0 == SourceState::Connected
    })
    .await;
    for slot in 101..=105 {
        p.write(slot);
    }
    eventually("every write", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == 105
    })
    .await;
    assert_eq!(
        load(&server.live.account_updates),
        base + 6,
        "no write lost or doubled"
    );
    assert_eq!(
        load(&server.live.resnapshots),
        1,
        "b covered the gap: no re-read"
    );
    assert_eq!(load(&server.live.fallback_polls), 0);
    let from_slots: Vec<_> =
        p.a.shared
            .subscribe_requests()
            .iter()
            .map(|r| r.from_slot)
            .collect();
    assert_eq!(from_slots, vec![None, Some(100), None]);
    server.stop();
    server.wait().await.unwrap();
}

/// A provider that stops sending trips its own watchdog; the other one's stream, and the
/// prices, carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_provider_trips_only_its_own_watchdog() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let p = TwoProviders::new(accounts);
    let mut settings = p.settings(None);
    for e in &mut settings.live.as_mut().unwrap().endpoints {
        e.watchdog = Duration::from_millis(500);
    }
    let server = p.start(settings).await;
    let (a, b) = (&server.live.endpoints[0], &server.live.endpoints[1]);
    p.b.shared.silent.store(true, Ordering::Relaxed);
    let mut slot = 100;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while load(&b.watchdog_trips) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "b's watchdog never tripped"
        );
        p.write(slot);
        slot += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    p.write(slot);
    eventually("every write delivered", 10, || {
        server.live.last_delivered_slot.load(Ordering::Relaxed) == slot
    })
    .await;
    assert_eq!(load(&server.live.account_updates), slot - 99, "no gap");
    assert_eq!(load(&a.watchdog_trips), 0, "a was never silent");
    assert_eq!(a.status.get().0, SourceState::Connected);
    assert_eq!(server.source.get().0, SourceState::Connected);
    server.stop();
    server.wait().await.unwrap();
}

/// Slots out of order across the two: `b` lags behind `a`, then gets ahead. Whatever the
/// write versions (each validator numbers its own), the older slot never replaces the
/// newer one, and at an equal slot the first arrival stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_slot_from_the_other_provider_never_wins() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let p = TwoProviders::new(accounts);
    let server = p.start(p.settings(None)).await;
    let (a, b) = (&server.live.endpoints[0], &server.live.endpoints[1]);
    let data = |slot| vault_write(&p.vault, slot);

    // a is ahead: slot 101 first; b then sends 100 (older) and 101 (a tie).
    p.a.shared.publish(&p.vault, &data(101), 101);
    eventually("a's 101", 10, || load(&server.live.account_updates) == 1).await;
    p.b.shared.publish(&p.vault, &data(100), 100);
    p.b.shared.publish(&p.vault, &data(101), 101);
    eventually("b's two merged", 10, || dropped(&server) == 2).await;
    assert_eq!(load(&server.live.account_updates), 1);
    assert_eq!(load(&server.live.older_ignored), 1, "b's 100");
    assert_eq!(load(&server.live.duplicates), 1, "b's 101");

    // b gets ahead: its 102 wins, and a's 102 (with a far higher write version) is a tie.
    p.b.shared.publish(&p.vault, &data(102), 102);
    eventually("b's 102", 10, || load(&server.live.account_updates) == 2).await;
    p.a.shared.publish(&p.vault, &data(102), 102);
    eventually("a's 102 merged", 10, || dropped(&server) == 3).await;
    assert_eq!(load(&server.live.account_updates), 2);
    assert_eq!((load(&a.delivered), load(&b.delivered)), (1, 1));
    assert_eq!(server.live.last_delivered_slot.load(Ordering::Relaxed), 102);
    assert_eq!(api_stats(&server).await["out_of_order"], 0);
    server.stop();
    server.wait().await.unwrap();
}

/// The race figure for `docs/benchmarks.md`, not a check: two servers with set delays, 1,000
/// writes of one account, one per slot, 2 ms apart. First half: `a` 5 ms, `b` 20 ms. Second
/// half: `a` 25 ms, `b` 10 ms. Each should win its half by about 15 ms. Run with
/// `cargo test --release -p monitor --test providers race_figure -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run on demand"]
async fn race_figure_with_set_delays() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let p = TwoProviders::new(accounts);
    let server = p.start(p.settings(None)).await;
    let (a, b) = (&server.live.endpoints[0], &server.live.endpoints[1]);
    let half = 500u64;
    for (phase, (delay_a, delay_b)) in [(5, 20), (25, 10)].into_iter().enumerate() {
        p.a.shared.delay_ms.store(delay_a, Ordering::Relaxed);
        p.b.shared.delay_ms.store(delay_b, Ordering::Relaxed);
        let first = 1_000 + half * phase as u64;
        for slot in first..first + half {
            p.write(slot);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let sent = half * (phase as u64 + 1);
        eventually("every copy arrived", 30, || {
            load(&a.received) == sent && load(&b.received) == sent
        })
        .await;
        let stats = api_stats(&server).await;
        eprintln!(
            "after phase {} (a {delay_a} ms, b {delay_b} ms): handed on {}, dropped copies {}",
            phase + 1,
            load(&server.live.account_updates),
            load(&server.live.duplicates) + load(&server.live.older_ignored)
        );
        for e in stats["endpoints"].as_array().unwrap() {
            eprintln!(
                "  {}: delivered {}, races won {}, lost {}, win share {}, mean lead {} ms",
                e["name"],
                e["delivered"],
                e["races_won"],
                e["races_lost"],
                e["win_share"],
                e["mean_lead_ms"]
            );
        }
    }
    server.stop();
    server.wait().await.unwrap();
}
