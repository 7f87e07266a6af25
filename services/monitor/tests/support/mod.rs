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
