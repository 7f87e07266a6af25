//! The real monitor in process, a TCP relay the tests can cut, and the checks every test
//! shares.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dexmon_client::protocol::{Channel, ServerMessage};
use dexmon_client::{Backoff, Client, Config, Event};
use monitor::{Running, Settings};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The simulator at a brisk pace, health every 100 ms so every channel moves.
pub fn settings() -> Settings {
    let mut s = Settings::default();
    s.simulator.updates_per_second = 1_000;
    s.health_interval = Duration::from_millis(100);
    s
}

pub async fn start(settings: Settings) -> Running {
    monitor::start(settings).await.expect("monitor starts")
}

/// Fast reconnects for tests: 20 ms doubling to 200 ms, unlimited.
pub fn fast_backoff() -> Backoff {
    Backoff::new(
        Duration::from_millis(20),
        Duration::from_millis(200),
        0.2,
        None,
    )
    .unwrap()
}

pub fn config(addr: SocketAddr) -> Config {
    Config::new(format!("ws://{addr}/ws")).backoff(fast_backoff())
}

/// A TCP relay in front of the monitor. `cut` drops every relayed connection at once (the
/// client sees the socket die mid-stream); `hold` refuses new ones until released.
#[derive(Debug, Clone)]
pub struct Relay {
    pub addr: SocketAddr,
    cut: watch::Sender<u64>,
    freeze: watch::Sender<u64>,
    refuse: Arc<AtomicBool>,
}

impl Relay {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = watch::channel(0u64);
        let (freeze, _) = watch::channel(0u64);
        let refuse = Arc::new(AtomicBool::new(false));
        let relay = Self {
            addr,
            cut: cut.clone(),
            freeze: freeze.clone(),
            refuse: refuse.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((mut down, _)) = listener.accept().await else {
                    return;
                };
                if refuse.load(Ordering::Acquire) {
                    drop(down);
                    continue;
                }
                let mut cut_rx = cut.subscribe();
                let mut freeze_rx = freeze.subscribe();
                tokio::spawn(async move {
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut down, &mut up) => {}
                        _ = cut_rx.changed() => {}
                        _ = freeze_rx.changed() => {
                            // Silent but open, as a dead peer behind a NAT looks: nothing
                            // flows and no FIN or RST comes, until a cut.
                            let _ = cut_rx.changed().await;
                        }
                    }
                    drop((down, up));
                });
            }
        });
        relay
    }

    /// Drops every connection going through the relay now.
    pub fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }

    /// Stops forwarding on every current connection without closing it.
    pub fn freeze(&self) {
        self.freeze.send_modify(|n| *n += 1);
    }

    /// While held, new connections are closed at once.
    pub fn hold(&self, on: bool) {
        self.refuse.store(on, Ordering::Release);
    }
}

/// The next event, within 20 s.
pub async fn next(client: &mut Client) -> Event {
    tokio::time::timeout(Duration::from_secs(20), client.next_event())
        .await
        .expect("an event within 20 s")
        .expect("the client keeps running")
        .expect("no final error")
}

/// What the application saw, per channel, checked against what the server published.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Per channel, the channel messages in the order delivered.
    pub delivered: BTreeMap<Channel, Vec<ServerMessage>>,
    /// The epoch of the connection each delivered message came on, in the same order.
    pub delivered_epoch: BTreeMap<Channel, Vec<String>>,
    /// Per channel, the `seq` the stream is known to stand at (snapshot or message).
    pub at: BTreeMap<Channel, u64>,
    pub gaps: Vec<(Channel, u64, u64)>,
    pub resumed: Vec<bool>,
    pub disconnects: Vec<Option<u16>>,
    /// A `Gap` was announced and its snapshot is due next on that channel.
    pending_gap: BTreeMap<Channel, u64>,
    pub epochs: Vec<String>,
    /// How many prices had been delivered when the first `unsubscribed` arrived.
    pub prices_at_unsubscribe: Option<usize>,
}

impl Ledger {
    /// Records one event and checks continuity as it goes: every channel message follows the
    /// last one by exactly one `seq` (the client is unfiltered on these channels), a snapshot
    /// only sets where the channel stands, and a `Gap` is followed by the snapshot it names.
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Message(ServerMessage::Connected(c)) => self.epochs.push(c.epoch.clone()),
            Event::Message(ServerMessage::Unsubscribed(_)) => {
                let n = self.count(Channel::Prices);
                self.prices_at_unsubscribe.get_or_insert(n);
            }
            Event::Message(ServerMessage::Snapshot(s)) => {
                if let Some(to) = self.pending_gap.remove(&s.channel) {
                    assert_eq!(s.seq, to, "the snapshot after a gap is at its `to`");
                }
                self.at.insert(s.channel, s.seq);
            }
            Event::Message(m) => {
                if let (Some(channel), Some(seq)) = (m.channel(), m.seq()) {
                    assert!(
                        !self.pending_gap.contains_key(&channel),
                        "{channel} message {seq} before the snapshot the gap promised"
                    );
                    if channel != Channel::Prices
                        && let Some(at) = self.at.get(&channel)
                    {
                        assert_eq!(seq, at + 1, "{channel}: after {at} came {seq}");
                    }
                    self.at.insert(channel, seq);
                    self.delivered.entry(channel).or_default().push(m.clone());
                    let epoch = self.epochs.last().cloned().unwrap_or_default();
                    self.delivered_epoch.entry(channel).or_default().push(epoch);
                }
            }
            Event::Gap { channel, from, to } => {
                if let Some(at) = self.at.get(channel) {
                    assert_eq!(*from, at + 1, "a gap starts right after the last delivered");
                }
                self.gaps.push((*channel, *from, *to));
                self.pending_gap.insert(*channel, *to);
            }
            Event::Resumed { recovered } => self.resumed.push(*recovered),
            Event::Disconnected { code, .. } => self.disconnects.push(*code),
            _ => {}
        }
    }

    /// Every delivered message of `channel` is the one the server published with that `seq`.
    pub fn matches_server(&self, running: &Running, channel: Channel) {
        let published: BTreeMap<u64, ServerMessage> = running
            .hub
            .recent(channel, usize::MAX)
            .into_iter()
            .map(|p| (p.seq, p.message.message().clone()))
            .collect();
        let epochs = self.delivered_epoch.get(&channel).into_iter().flatten();
        for (m, epoch) in self
            .delivered
            .get(&channel)
            .into_iter()
            .flatten()
            .zip(epochs)
        {
            if *epoch != running.hub.epoch {
                continue;
            }
            let seq = m.seq().unwrap();
            if let Some(p) = published.get(&seq) {
                assert_eq!(
                    p, m,
                    "{channel} {seq} differs from what the server published"
                );
            }
        }
    }

    pub fn count(&self, channel: Channel) -> usize {
        self.delivered.get(&channel).map_or(0, Vec::len)
    }
}

/// Reads events into the ledger until `done` holds.
pub async fn read_until(client: &mut Client, ledger: &mut Ledger, done: impl Fn(&Ledger) -> bool) {
    // A bound on the work, not a timing assertion: a broken client must fail, not hang. A
    // hundred health reports are far more than any condition here needs.
    let limit = ledger.count(Channel::Health) + 100;
    while ledger.count(Channel::Health) <= limit {
        if done(ledger) {
            return;
        }
        let event = next(client).await;
        if std::env::var_os("DEXMON_TEST_EVENTS").is_some() {
            eprintln!(
                "{}",
                format!("{event:?}").chars().take(160).collect::<String>()
            );
        }
        ledger.record(&event);
    }
    panic!("condition never reached");
}
