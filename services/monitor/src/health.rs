//! The periodic `health` message, and the one-line market summary for terminals.

use std::sync::atomic::Ordering;
use std::time::Duration;

use protocol::{
    CacheHealth, ComponentHealth, ComponentStatus, Components, Health, HealthMetrics,
    ServerMessage, SourceHealth, SourceState, Timestamp,
};
use tokio::sync::watch;

use crate::clock::{monotonic_us, unix_ms};
use crate::http::AppState;

/// Detection latency above which the detector reports `degraded` (ms).
const DEGRADED_LATENCY_MS: f64 = 1.0;

/// Publishes `health` every `interval` until `stop`.
pub async fn run(
    state: AppState,
    interval: Duration,
    summary_log: bool,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(interval);
    let mut last_prices = state.pipeline.prices_published.load(Ordering::Relaxed);
    let mut last_at = monotonic_us();
    let mut last_summary = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        let now = monotonic_us();
        let prices = state.pipeline.prices_published.load(Ordering::Relaxed);
        let per_min = rate_per_minute(
            prices.saturating_sub(last_prices),
            now.saturating_sub(last_at),
        );
        (last_prices, last_at) = (prices, now);
        let health = report(&state, per_min);
        state.hub.publish(ServerMessage::Health(health));
        if summary_log && now.saturating_sub(last_summary) >= 5_000_000 {
            last_summary = now;
            summary(&state);
        }
    }
}

fn rate_per_minute(count: u64, elapsed_us: u64) -> u64 {
    if elapsed_us == 0 {
        return 0;
    }
    u64::try_from(u128::from(count) * 60_000_000 / u128::from(elapsed_us)).unwrap_or(u64::MAX)
}

/// The health report as of now.
pub fn report(state: &AppState, price_updates_per_min: u64) -> Health {
    #[allow(clippy::cast_precision_loss)]
    let ms = |us: Option<u64>| us.map_or(0.0, |us| us as f64 / 1_000.0);
    let p = &state.pipeline;
    let p50 = ms(p.latency_quantile_us(0.5));
    let p95 = ms(p.latency_quantile_us(0.95));
    let status = |latency_ms: f64| {
        if latency_ms > DEGRADED_LATENCY_MS {
            ComponentStatus::Degraded
        } else {
            ComponentStatus::Healthy
        }
    };
    let now_ms = unix_ms();
    let stale_ms = i64::try_from(state.stale_after.as_millis()).unwrap_or(i64::MAX);
    let prices = state.hub.prices();
    let stale = prices
        .iter()
        .filter(|p| now_ms.saturating_sub(p.timestamp.unix_millis()) > stale_ms)
        .count();
    let updates = p.updates.load(Ordering::Relaxed);
    let unknown =
        p.unknown_accounts.load(Ordering::Relaxed) + p.decode_failures.load(Ordering::Relaxed);
    #[allow(clippy::cast_precision_loss)]
    let hit_rate = if updates == 0 {
        1.0
    } else {
        1.0 - unknown as f64 / updates as f64
    };
    let (source_state, reason) = state.source.get();
    let last = p.last_update_us.load(Ordering::Relaxed);
    let connected = state.ws.stats.active.load(Ordering::Relaxed);
    let ws_status = if connected >= state.ws.config.max_connections {
        ComponentStatus::Degraded
    } else {
        ComponentStatus::Healthy
    };
    Health {
        seq: 0,
        timestamp: Timestamp::default(),
        components: Components {
            websocket: ComponentHealth {
                status: ws_status,
                latency_ms: 0.0,
            },
            price_calculator: ComponentHealth {
                status: status(p50),
                latency_ms: p50,
            },
            detector: ComponentHealth {
                status: status(p95),
                latency_ms: p95,
            },
            cache: CacheHealth {
                status: ComponentStatus::Healthy,
                latency_ms: 0.0,
                hit_rate: hit_rate.clamp(0.0, 1.0),
                entry_count: prices.iter().filter(|p| p.pool_type != "cex_book").count() as u64,
            },
        },
        metrics: HealthMetrics {
            avg_detection_latency_p95: p95,
            price_updates_per_min,
            stale_prices: stale as u64,
            uptime_seconds: state.started.elapsed().as_secs(),
            connected_clients: connected as u64,
        },
        sources: std::iter::once(SourceHealth {
            name: state.source.name.clone(),
            state: source_state,
            last_message_age_ms: (last > 0).then(|| monotonic_us().saturating_sub(last) / 1_000),
            slot: Some(p.latest_slot.load(Ordering::Relaxed)).filter(|s| *s > 0),
            reason: if source_state == SourceState::Connected {
                None
            } else {
                reason
            },
        })
        .chain(state.live.endpoints.iter().map(|e| endpoint_health(e)))
        .chain(state.cex.iter().map(|c| cex_health(c)))
        .collect(),
    }
}

/// The exchange feed, after the chain sources: its state, message age and reconnects.
fn cex_health(c: &crate::cex::FeedStats) -> SourceHealth {
    let (state, reason) = c.status.get();
    let reconnects = c.status.reconnects.load(Ordering::Relaxed);
    SourceHealth {
        name: c.status.name.clone(),
        state,
        last_message_age_ms: c.last_frame_age_ms(monotonic_us()),
        slot: None,
        reason: match (state, reason) {
            (SourceState::Connected, _) => Some(format!("{reconnects} reconnects")),
            (_, reason) => reason,
        },
    }
}

/// One Yellowstone endpoint, after the source as a whole. Its race figures ride in
/// `reason` while it streams, so the dashboard shows them without a protocol change.
fn endpoint_health(e: &crate::source::endpoint::EndpointStats) -> SourceHealth {
    let (state, reason) = e.status.get();
    let last = e.last_message_us.load(Ordering::Relaxed);
    let figures = crate::http::EndpointStatsBody::of(e);
    let race = match (figures.win_share, figures.mean_lead_ms) {
        (Some(share), lead) => Some(format!(
            "first on {:.0}% of {} shared writes{}",
            share * 100.0,
            figures.races_won + figures.races_lost,
            lead.map_or(String::new(), |ms| format!(", by {ms:.1} ms on average"))
        )),
        (None, _) => None,
    };
    SourceHealth {
        name: format!("yellowstone:{}", e.status.name),
        state,
        last_message_age_ms: (last > 0).then(|| monotonic_us().saturating_sub(last) / 1_000),
        slot: Some(e.checkpoint.load(Ordering::Relaxed)).filter(|s| *s > 0),
        reason: if state == SourceState::Connected {
            race
        } else {
            reason
        },
    }
}

fn summary(state: &AppState) {
    let prices = state.hub.prices();
    let line: Vec<String> = prices
        .iter()
        .filter(|p| p.pair == "SOL/USDC")
        .map(|p| format!("{}:{} {:.4}", p.dex, p.pool_type, p.price))
        .collect();
    tracing::info!(
        updates = state.pipeline.updates.load(Ordering::Relaxed),
        pools = prices.len(),
        open_opportunities = state.hub.open_opportunities().len(),
        clients = state.ws.stats.active.load(Ordering::Relaxed),
        slot = state.pipeline.latest_slot.load(Ordering::Relaxed),
        "SOL/USDC {}",
        line.join("  ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_scale_to_a_minute() {
        assert_eq!(rate_per_minute(100, 5_000_000), 1_200);
        assert_eq!(rate_per_minute(5, 0), 0);
    }
}
