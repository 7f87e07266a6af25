//! TypeScript definitions of every message, generated from the Rust types with `ts-rs`.
//!
//! The dashboard type-checks against `services/monitor/web/protocol.d.ts`, which is this
//! module's output checked in. A test fails when the file is stale; run
//! `DEXMON_BLESS=1 cargo test -p protocol typescript` to rewrite it.

use ts_rs::{Config, TS};

use crate::*;

/// Every exported type's declaration, in one self-contained `.d.ts` text.
pub fn definitions() -> String {
    // JavaScript numbers hold integers exactly up to 2^53, far above any seq, slot or latency
    // the protocol carries. Token amounts, which can exceed it, are strings.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ServerMessage::decl(&cfg),
        ClientMessage::decl(&cfg),
        Channel::decl(&cfg),
        RequestId::decl(&cfg),
        ErrorCode::decl(&cfg),
        Connected::decl(&cfg),
        SubscriptionAck::decl(&cfg),
        Snapshot::decl(&cfg),
        Resumed::decl(&cfg),
        Pong::decl(&cfg),
        ErrorMessage::decl(&cfg),
        PriceUpdate::decl(&cfg),
        Opportunity::decl(&cfg),
        OpportunityStatus::decl(&cfg),
        OpportunityType::decl(&cfg),
        Costs::decl(&cfg),
        Timing::decl(&cfg),
        Leg::decl(&cfg),
        Health::decl(&cfg),
        Components::decl(&cfg),
        ComponentHealth::decl(&cfg),
        ComponentStatus::decl(&cfg),
        CacheHealth::decl(&cfg),
        HealthMetrics::decl(&cfg),
        SourceHealth::decl(&cfg),
        SourceState::decl(&cfg),
        LogMessage::decl(&cfg),
        LogLevel::decl(&cfg),
        Subscription::decl(&cfg),
        Ping::decl(&cfg),
        Resume::decl(&cfg),
        AlertAdd::decl(&cfg),
        AlertRemove::decl(&cfg),
        AlertList::decl(&cfg),
        Alert::decl(&cfg),
        AlertCondition::decl(&cfg),
        AlertAdded::decl(&cfg),
        AlertRemoved::decl(&cfg),
        AlertsList::decl(&cfg),
        AlertEntry::decl(&cfg),
        AlertTriggered::decl(&cfg),
        CrossDirection::decl(&cfg),
    ];
    let mut out = String::from(
        "// dexmon.v1 wire messages. Generated from crates/protocol by ts-rs: do not edit.\n\
         // Regenerate with `DEXMON_BLESS=1 cargo test -p protocol typescript`.\n\
         // Timestamps are RFC 3339 strings; token amounts are decimal strings.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn typescript_definitions_are_current() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../services/monitor/web/protocol.d.ts");
        let fresh = super::definitions();
        if std::env::var_os("DEXMON_BLESS").is_some() {
            std::fs::write(&path, &fresh).expect("write protocol.d.ts");
            return;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "{} is stale: run `DEXMON_BLESS=1 cargo test -p protocol typescript`",
            path.display()
        );
    }
}
