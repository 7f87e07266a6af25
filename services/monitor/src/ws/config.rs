//! `/ws` limits and timings, read from the `[ws]` section of the configuration.

use std::time::Duration;

/// Limits and timings of `/ws`.
#[derive(Debug, Clone, PartialEq)]
pub struct WsConfig {
    /// Connections beyond this are refused with 503 at the upgrade.
    pub max_connections: usize,
    /// Largest inbound message; larger ones get `MESSAGE_TOO_LARGE`.
    pub max_message_bytes: usize,
    /// Inbound messages per second per connection, on average.
    pub rate_per_second: f64,
    /// Inbound burst per connection.
    pub rate_burst: u32,
    /// Channels plus pairs plus dexes one connection may hold.
    pub max_subscriptions: usize,
    /// Alerts one connection may hold.
    pub max_alerts: usize,
    /// Protocol-level ping interval.
    pub heartbeat: Duration,
    /// How long past a ping the pong may take before the connection is closed with 4000.
    pub pong_timeout: Duration,
    /// Reliable (non-price) messages queued per connection before it is closed with 4008.
    pub outbox_capacity: usize,
    /// Refused messages tolerated before the connection is closed with 1008. For the rate
    /// limit, `max_violations × rate_burst` refused messages close it with 4029.
    pub max_violations: u32,
    /// How long a closing connection may take to flush its close frame.
    pub close_grace: Duration,
    /// The kernel send buffer of each accepted socket (`SO_SNDBUF`), in bytes; `None` leaves
    /// it to the kernel's autotuning, which grows it to `net.ipv4.tcp_wmem`'s maximum (often
    /// 4 MiB). A client that stops reading holds this much stale data in the kernel before its
    /// outbox starts conflating prices, and must read through it before it sees anything newer.
    pub send_buffer: Option<usize>,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_message_bytes: 16 * 1024,
            rate_per_second: 20.0,
            rate_burst: 40,
            max_subscriptions: 256,
            max_alerts: 32,
            heartbeat: Duration::from_secs(25),
            pong_timeout: Duration::from_secs(10),
            outbox_capacity: 4_096,
            max_violations: 20,
            close_grace: Duration::from_secs(5),
            send_buffer: Some(256 * 1024),
        }
    }
}
