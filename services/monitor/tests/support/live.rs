//! Settings, waits and checks shared by the live-source tests.

use std::sync::atomic::Ordering;
use std::time::Duration;

use decoder::Pubkey;
use monitor::backoff::Backoff;
use monitor::source::yellowstone::YellowstoneConfig;
use monitor::{LiveSettings, RpcSettings, Running, Settings};
use protocol::SourceState;

use super::geyser::{Account, GeyserServerHandle};

/// One endpoint as the tests configure it: quick backoff, the test token.
pub fn endpoint(name: &str, grpc: &str) -> YellowstoneConfig {
    let mut config = YellowstoneConfig::new(grpc);
    config.name = name.to_owned();
    config.backoff = Backoff::new(
        Duration::from_millis(50),
        Duration::from_millis(200),
        Duration::from_secs(60),
    )
    .unwrap();
    config.x_token = Some(monitor::auth::Token::new("test-token"));
    config
}

pub fn settings_for(
    endpoints: Vec<YellowstoneConfig>,
    rpc: Option<String>,
    pools: Vec<Pubkey>,
) -> Settings {
    Settings {
        source: monitor::cli::SourceArg::Yellowstone,
        live: Some(LiveSettings {
            endpoints,
            rpc: rpc.map(|url| RpcSettings {
                url,
                poll_interval: Duration::from_millis(200),
                timeout: Duration::from_secs(5),
                max_fallback: Duration::from_secs(120),
            }),
            pools,
            discovery: None,
        }),
        health_interval: Duration::from_millis(200),
        ..Settings::default()
    }
}

pub fn live_settings(grpc: &str, rpc: Option<String>, pools: Vec<Pubkey>) -> Settings {
    settings_for(vec![endpoint("yellowstone", grpc)], rpc, pools)
}

/// The first endpoint's settings.
pub fn grpc(settings: &mut Settings) -> &mut YellowstoneConfig {
    &mut settings.live.as_mut().unwrap().endpoints[0]
}

/// `/ready`: its status code and body.
pub async fn ready(server: &Running) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("http://{}/ready", server.addr))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Polls `check` until it holds; panics with `what` after `secs` (the workspace's one
/// wait-until, [`dexmon_tests::wait`]).
pub async fn eventually(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    dexmon_tests::wait::until_async(what, Duration::from_secs(secs), || {
        std::future::ready(check().then_some(()))
    })
    .await;
}

/// `/metrics` as text.
pub async fn metrics(server: &Running) -> String {
    reqwest::get(format!("http://{}/metrics", server.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn prices(server: &Running) -> Vec<serde_json::Value> {
    reqwest::get(format!("http://{}/api/prices", server.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A vault written once per slot, with the slot in its amount, to check what arrives.
pub fn vault_write(vault: &Account, slot: u64) -> Vec<u8> {
    let mut data = vault.data.clone();
    data[64..72].copy_from_slice(&slot.to_le_bytes());
    data
}

/// The first spl-token account in the fixtures: written once per slot by the tests.
pub fn a_vault(accounts: &[Account]) -> Account {
    accounts
        .iter()
        .find(|a| a.kind == "spl-token.TokenAccount")
        .unwrap()
        .clone()
}

/// Ends with the source streaming and `/ready` saying so (once the pipeline has the data).
pub async fn assert_streaming_and_ready(server: &Running) {
    eventually("connected", 15, || {
        server.source.get().0 == SourceState::Connected
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = ready(server).await;
        if status == 200 {
            assert_eq!(body["state"], "connected", "{body}");
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "not ready: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Publishes `write` on every server, as two providers see the same chain.
pub fn publish_everywhere(
    servers: &[&GeyserServerHandle],
    account: &Account,
    data: &[u8],
    slot: u64,
) {
    for server in servers {
        server.shared.publish(account, data, slot);
    }
}

/// A counter's value.
pub fn load(counter: &std::sync::atomic::AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}
