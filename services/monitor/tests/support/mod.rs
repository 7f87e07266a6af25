//! Helpers and test servers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

pub mod binance;
pub mod geyser;
pub mod live;
pub mod ws_client;

/// Starts the monitor in process. `DEXMON_TEST_LOG=debug` shows its logs next to a failing test.
pub async fn start(settings: monitor::Settings) -> monitor::Running {
    if let Ok(filter) = std::env::var("DEXMON_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    monitor::start(settings).await.expect("monitor starts")
}

/// A pipeline with the service's default detector, price thresholds and tokens, publishing to
/// `hub`.
pub fn pipeline(hub: std::sync::Arc<monitor::hub::Hub>) -> monitor::pipeline::Pipeline {
    monitor::pipeline::Pipeline::new(
        detector::DetectorConfig::default(),
        monitor::pipeline::PriceConfig::default(),
        monitor::tokens::TokenRegistry::default(),
        hub,
    )
    .expect("the default detector configuration is valid")
}

/// A plain HTTP/1.1 GET on a fresh connection: the status line, headers and body.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    tcp.read_to_string(&mut out).await.unwrap();
    out
}
