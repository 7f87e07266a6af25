//! The ingest leader lease: one key in a JetStream key-value bucket whose `max_age` is the
//! lease's TTL. The leader renews it every third of the TTL with a revision-checked update;
//! a follower tries to create it every third of the TTL, which succeeds only once the key
//! has expired or been released. A leader that finds the lease taken steps down at once; one
//! that cannot reach NATS keeps trying, and if another node took the lease meanwhile, the
//! streams' expected-last-sequence check refuses its next publish and it steps down then.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use tokio::sync::watch;

use super::layout::Layout;
use crate::config::nats::{NatsSettings, Storage};

const KEY: &str = "ingest";

/// Whether this node may publish, shared with the publisher.
#[derive(Debug)]
pub struct Leadership {
    /// Unique per process: a restarted node must not take its old lease for its own.
    pub holder: String,
    leader: AtomicBool,
    /// Increases each time this node becomes leader; the publisher re-reads the streams'
    /// last sequences when it changes.
    term: AtomicU64,
    /// Times this node gained and lost the lease.
    pub elected: AtomicU64,
    pub deposed: AtomicU64,
}

impl Leadership {
    pub fn new(node: &str) -> Self {
        Self {
            holder: format!("{node}:{:08x}", rand::random::<u32>()),
            leader: AtomicBool::new(false),
            term: AtomicU64::new(0),
            elected: AtomicU64::new(0),
            deposed: AtomicU64::new(0),
        }
    }

    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Acquire)
    }

    /// The current term (changes on every election of this node).
    pub fn term(&self) -> u64 {
        self.term.load(Ordering::Acquire)
    }

    /// Takes leadership. [`run`] calls it when the lease is won; it is public for embedders
    /// that elect by other means and for tests.
    pub fn elect(&self) {
        self.term.fetch_add(1, Ordering::AcqRel);
        self.elected.fetch_add(1, Ordering::Relaxed);
        self.leader.store(true, Ordering::Release);
        metrics::gauge!("dexmon_nats_leader").set(1.0);
    }

    /// Gives up leadership (a renewal failed, or the streams refused a publish).
    pub fn step_down(&self, why: &str) {
        if self.leader.swap(false, Ordering::AcqRel) {
            self.deposed.fetch_add(1, Ordering::Relaxed);
            metrics::gauge!("dexmon_nats_leader").set(0.0);
            tracing::warn!(why, "no longer the ingest leader");
        }
    }
}

/// Opens (or creates) the lease bucket.
///
/// # Errors
/// JetStream refused or did not answer.
pub async fn bucket(
    js: &jetstream::Context,
    layout: &Layout,
    settings: &NatsSettings,
) -> Result<kv::Store, async_nats::Error> {
    let name = layout.lease_bucket();
    if let Ok(store) = js.get_key_value(&name).await {
        return Ok(store);
    }
    Ok(js
        .create_key_value(kv::Config {
            bucket: name,
            description: "dexmon ingest leader lease".into(),
            history: 1,
            max_age: settings.lease_ttl,
            storage: match settings.storage {
                Storage::File => jetstream::stream::StorageType::File,
                Storage::Memory => jetstream::stream::StorageType::Memory,
            },
            num_replicas: settings.replicas,
            ..Default::default()
        })
        .await?)
}

/// Holds or contends for the lease until `stop`; on `stop`, releases a held lease so that a
/// follower takes over at once.
pub async fn run(
    store: kv::Store,
    settings: NatsSettings,
    leadership: Arc<Leadership>,
    mut stop: watch::Receiver<bool>,
) {
    let value = Bytes::from(leadership.holder.clone());
    // The bucket's TTL rules; it was fixed when the bucket was created, possibly by a node
    // configured differently.
    let bucket_ttl = store.stream.cached_info().config.max_age;
    let ttl = if bucket_ttl.is_zero() {
        settings.lease_ttl
    } else {
        if bucket_ttl != settings.lease_ttl {
            tracing::warn!(?bucket_ttl, configured = ?settings.lease_ttl, "the lease bucket's TTL differs from lease_ttl_ms; using the bucket's");
        }
        bucket_ttl
    };
    let mut tick = tokio::time::interval(ttl / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut revision = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        if leadership.is_leader() {
            match store.update(KEY, value.clone(), revision).await {
                Ok(next) => revision = next,
                // Someone else holds it now, or it expired; or a renewal whose answer was
                // lost did land, and the key is still ours at a newer revision.
                Err(err) if err.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    match store.entry(KEY).await {
                        Ok(Some(entry))
                            if entry.value == value && entry.operation == kv::Operation::Put =>
                        {
                            revision = entry.revision;
                        }
                        _ => leadership.step_down(&format!("the lease was lost: {err}")),
                    }
                }
                // NATS did not answer: keep leading and try again. If the lease expires
                // meanwhile and another node takes it, the streams refuse this node's next
                // publish and it steps down then.
                Err(err) => tracing::warn!(%err, "lease renewal failed; retrying"),
            }
            continue;
        }
        match store.create(KEY, value.clone()).await {
            Ok(next) => {
                revision = next;
                leadership.elect();
                tracing::info!(holder = %leadership.holder, "elected ingest leader");
            }
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {
                // A create whose answer was lost may have landed: the key is then ours.
                if let Ok(Some(entry)) = store.entry(KEY).await
                    && entry.value == value
                    && entry.operation == kv::Operation::Put
                {
                    revision = entry.revision;
                    leadership.elect();
                    tracing::info!(holder = %leadership.holder, "elected ingest leader");
                }
            }
            Err(err) => tracing::debug!(%err, "lease not taken"),
        }
    }
    if leadership.is_leader() {
        leadership.step_down("shutting down");
        if let Err(err) = store.delete_expect_revision(KEY, Some(revision)).await {
            tracing::warn!(%err, "lease not released; a follower takes over when it expires");
        }
    }
}
