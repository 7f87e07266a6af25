//! Changing the followed pools while running: `POST /api/pools`, `DELETE /api/pools/{address}`
//! (behind the API token) and `SIGHUP` (re-reads `[pools]`), with one `dexmon-client`
//! connected throughout. The monitor runs in process against the in-process Geyser server and
//! the JSON-RPC stub, a faithful stand-in serving the real fixture accounts.
//!
//! This file is its own test binary: `SIGHUP` goes to the whole process.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use dexmon_client::protocol::{Channel, ServerMessage};
use dexmon_client::{Client, Config, Event};
use support::geyser::{GeyserServerHandle, RpcStub, fixture_accounts};
use support::live::{eventually, live_settings};

const ORCA: &str = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
const METEORA: &str = "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig";
const METEORA_2: &str = "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd";
/// Orca SAMO/USDC, found through the pair `SAMO_MINT/USDC` once the reload asks for it.
const ORCA_SAMO: &str = "9vqYJjDUFecLL2xPUC4Rc7hyCtZ6iJ4mDiVZX7aFXoAe";
const SAMO_MINT: &str = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";
const TOKEN: &str = "runtime-secret";

/// Reads the client until `done` holds over what it saw; every price and log is kept.
struct Seen {
    prices: BTreeMap<String, u64>,
    logs: Vec<(String, String)>,
}

async fn read_until(
    client: &mut Client,
    seen: &mut Seen,
    what: &str,
    done: impl Fn(&Seen) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !done(seen) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = tokio::time::timeout(left, client.next_event())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("client open")
            .expect("no client error");
        match event {
            Event::Message(ServerMessage::PriceUpdate(p)) => {
                *seen.prices.entry(p.pool).or_default() += 1;
            }
            Event::Message(ServerMessage::Snapshot(s)) => {
                for p in s.prices.unwrap_or_default() {
                    *seen.prices.entry(p.pool).or_default() += 1;
                }
            }
            Event::Message(ServerMessage::Log(l)) => {
                let pool = l
                    .context
                    .and_then(|c| c.get("pool").cloned())
                    .unwrap_or_default();
                seen.logs.push((l.message, pool));
            }
            Event::Disconnected { code, reason } => panic!("client dropped: {code:?} {reason}"),
            Event::Reconnecting { .. } | Event::Resumed { .. } | Event::Gap { .. } => {
                panic!("the client had to reconnect: {event:?}")
            }
            _ => {}
        }
    }
}

fn logged(seen: &Seen, message: &str, pool: &str) -> bool {
    seen.logs.iter().any(|(m, p)| m == message && p == pool)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_sighup_change_the_pools_with_a_client_connected() {
    let Some(accounts) = fixture_accounts() else {
        return;
    };
    let stub = RpcStub::start(&accounts, 300_000_000).await;
    let geyser = GeyserServerHandle::start();
    let dir = std::env::temp_dir().join(format!("dexmon-runtime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("monitor.toml");
    std::fs::write(&config, format!("[pools]\naddresses = [\"{ORCA}\"]\n")).unwrap();
    let mut settings = live_settings(
        &geyser.endpoint(),
        Some(stub.url()),
        vec![ORCA.parse().unwrap()],
    );
    settings.config_path = Some(config.clone());
    settings.auth.tokens = vec![monitor::auth::Token::new(TOKEN)];
    let server = support::start(settings).await;

    let mut client = Client::connect(Config::new(format!("ws://{}/ws", server.addr)).token(TOKEN))
        .await
        .unwrap();
    client
        .subscribe(dexmon_client::channels([Channel::Prices, Channel::Logs]))
        .await
        .unwrap();
    let mut seen = Seen {
        prices: BTreeMap::new(),
        logs: Vec::new(),
    };
    read_until(&mut client, &mut seen, "the configured pool's price", |s| {
        s.prices.contains_key(ORCA)
    })
    .await;

    let http = reqwest::Client::new();
    let api = format!("http://{}/api/pools", server.addr);
    // The token is required.
    let refused = http
        .post(&api)
        .json(&serde_json::json!({ "address": METEORA }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let bad = http
        .post(&api)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "address": "not-a-key" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // POST: the pool is subscribed, read and priced; the client sees it join.
    let added: serde_json::Value = http
        .post(&api)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "address": METEORA }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added["added"], serde_json::json!([METEORA]));
    assert_eq!(added["followed"], 2);
    read_until(
        &mut client,
        &mut seen,
        "the added pool's price and log",
        |s| s.prices.contains_key(METEORA) && logged(s, "pool added", METEORA),
    )
    .await;
    eventually("subscribed to the added pool", 10, || {
        geyser.shared.subscribed_accounts().contains(METEORA)
    })
    .await;

    // DELETE: unsubscribed, price withdrawn, logged.
    let removed = http
        .delete(format!("{api}/{ORCA}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    let again = http
        .delete(format!("{api}/{ORCA}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "no longer followed");
    read_until(&mut client, &mut seen, "the removal's log", |s| {
        logged(s, "pool removed", ORCA)
    })
    .await;
    eventually("unsubscribed from the removed pool", 10, || {
        !geyser.shared.subscribed_accounts().contains(ORCA)
    })
    .await;
    assert!(server.hub.prices().iter().all(|p| p.pool != ORCA));
    let orca_prices = seen.prices[ORCA];

    // SIGHUP: the file now names another pool and a pair to discover; the API's addition
    // stays, the removed pool stays removed.
    std::fs::write(
        &config,
        format!(
            "[pools]\naddresses = [\"{ORCA}\", \"{METEORA_2}\"]\npairs = [\"{SAMO_MINT}/USDC\"]\n"
        ),
    )
    .unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    read_until(
        &mut client,
        &mut seen,
        "the reloaded and discovered pools' prices",
        |s| {
            s.prices.contains_key(METEORA_2)
                && logged(s, "pool added", METEORA_2)
                && s.prices.contains_key(ORCA_SAMO)
        },
    )
    .await;
    let followed: Vec<String> = server
        .pools
        .followed()
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut expected = vec![
        METEORA.to_owned(),
        METEORA_2.to_owned(),
        ORCA_SAMO.to_owned(),
    ];
    expected.sort();
    assert_eq!(followed, expected);
    // The removed pool's prices stopped.
    assert_eq!(seen.prices[ORCA], orca_prices);

    // Added back: priced again at once, though nothing changed on chain meanwhile.
    let back = http
        .post(&api)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "address": ORCA }))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    read_until(&mut client, &mut seen, "the re-added pool's price", |s| {
        s.prices[ORCA] > orca_prices
    })
    .await;
    server.stop();
    server.wait().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
