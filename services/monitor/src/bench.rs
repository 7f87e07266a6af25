//! A publisher for load tests only (`--bench-publish-rate`, off by default): `log` messages at
//! a fixed rate, each carrying its publication time in nanoseconds since the Unix epoch in
//! `context.sent_ns`. They take the real fan-out path (hub, encode once, per-connection outbox,
//! writer), so `cargo xtask loadtest` measures what a client of the logs channel gets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use protocol::{LogLevel, LogMessage, ServerMessage, Timestamp};

use crate::hub::Hub;

/// Nanoseconds since the Unix epoch: the clock the load client compares against.
pub fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Publishes `rate` messages per second of about `payload` bytes, starting after `delay`,
/// until `stop`.
pub async fn run(
    hub: Arc<Hub>,
    bench: crate::config::BenchPublish,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let crate::config::BenchPublish {
        rate,
        payload_bytes: payload,
        delay,
    } = bench;
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        _ = stop.wait_for(|s| *s) => return,
    }
    let padding = "x".repeat(payload.saturating_sub(180));
    // 1 ms ticks; each publishes what the rate owes so far, so the average rate is exact.
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = tokio::time::Instant::now();
    let mut sent: u64 = 0;
    tracing::warn!(
        rate,
        payload,
        "benchmark publisher running: for load tests only"
    );
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let owed = (started.elapsed().as_secs_f64() * f64::from(rate)) as u64;
        while sent < owed {
            sent += 1;
            hub.publish(ServerMessage::Log(LogMessage {
                seq: 0,
                timestamp: Timestamp::default(),
                level: LogLevel::Info,
                message: format!("bench {padding}"),
                context: Some(BTreeMap::from([(
                    "sent_ns".to_owned(),
                    unix_ns().to_string(),
                )])),
            }));
        }
    }
}
