//! Property tests: every server and client message round-trips through JSON and MessagePack,
//! server parsing is lenient, and client parsing never panics on arbitrary bytes.

use std::collections::BTreeMap;

use proptest::prelude::*;
use protocol::*;

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e15..1e15f64,
        Just(0.0),
        Just(176.23),
        any::<i32>().prop_map(f64::from)
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9/_.-]{0,24}", any::<String>()]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800_000).prop_map(Timestamp::from_unix_millis)
}

fn request_id() -> impl Strategy<Value = Option<RequestId>> {
    proptest::option::of(prop_oneof![
        any::<u64>().prop_map(RequestId::Number),
        "[a-z0-9-]{0,12}".prop_map(RequestId::Text),
    ])
}

fn channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

fn price_update() -> impl Strategy<Value = PriceUpdate> {
    (
        any::<u64>(),
        timestamp(),
        text(),
        text(),
        text(),
        text(),
        finite(),
        finite(),
        any::<u64>(),
        (
            any::<u64>(),
            proptest::option::of(finite()),
            proptest::option::of(finite()),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(
            |(
                seq,
                timestamp,
                pair,
                dex,
                pool_type,
                pool,
                price,
                liquidity,
                slot,
                (last_update_ms, bid, ask, update_received_us),
            )| {
                PriceUpdate {
                    seq,
                    timestamp,
                    pair,
                    dex,
                    pool_type,
                    pool,
                    price,
                    liquidity,
                    slot,
                    last_update_ms,
                    bid,
                    ask,
                    update_received_us,
                }
            },
        )
}

fn leg() -> impl Strategy<Value = Leg> {
    (text(), text(), text(), text(), any::<u64>(), any::<u64>()).prop_map(
        |(pool, dex, token_in, token_out, amount_in, amount_out)| Leg {
            pool,
            dex,
            token_in,
            token_out,
            amount_in,
            amount_out,
        },
    )
}

fn opportunity() -> impl Strategy<Value = Opportunity> {
    (
        (
            any::<u64>(),
            timestamp(),
            text(),
            prop::sample::select(vec![
                OpportunityStatus::Open,
                OpportunityStatus::Update,
                OpportunityStatus::Close,
            ]),
        ),
        (
            prop::sample::select(vec![
                OpportunityType::Spatial,
                OpportunityType::Statistical,
                OpportunityType::Triangular,
                OpportunityType::CexDex,
            ]),
            text(),
            text(),
            text(),
        ),
        (finite(), finite(), finite(), finite(), finite(), 0u8..=100),
        (
            finite(),
            finite(),
            finite(),
            finite(),
            any::<u64>(),
            any::<u64>(),
            proptest::option::of(any::<u64>()),
        ),
        prop::collection::vec(leg(), 0..4),
    )
        .prop_map(
            |(
                (seq, timestamp, id, status),
                (opportunity_type, pair, buy_dex, sell_dex),
                (buy_price, sell_price, gross, net, size, confidence),
                (fees, slip, gas, lat, slot_delta, fresh, received),
                legs,
            )| Opportunity {
                seq,
                timestamp,
                id,
                status,
                opportunity_type,
                pair,
                buy_dex,
                sell_dex,
                buy_price,
                sell_price,
                gross_profit_percent: gross,
                net_profit_percent: net,
                recommended_size: size,
                confidence,
                costs: Costs {
                    dex_fees: fees,
                    slippage: slip,
                    gas_jito: gas,
                },
                timing: Timing {
                    detection_latency_ms: lat,
                    slot_delta,
                    data_freshness_ms: fresh,
                    update_received_us: received,
                },
                legs,
            },
        )
}

fn status() -> impl Strategy<Value = ComponentStatus> {
    prop::sample::select(vec![
        ComponentStatus::Healthy,
        ComponentStatus::Degraded,
        ComponentStatus::Down,
    ])
}

fn component() -> impl Strategy<Value = ComponentHealth> {
    (status(), finite()).prop_map(|(status, latency_ms)| ComponentHealth { status, latency_ms })
}

fn health() -> impl Strategy<Value = Health> {
    (
        any::<u64>(),
        timestamp(),
        (
            component(),
            component(),
            component(),
            status(),
            finite(),
            finite(),
            any::<u64>(),
        ),
        (
            finite(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
        ),
        prop::collection::vec(
            (
                text(),
                prop::sample::select(vec![
                    SourceState::Connected,
                    SourceState::Reconnecting,
                    SourceState::Fallback,
                    SourceState::Down,
                ]),
                proptest::option::of(any::<u64>()),
                proptest::option::of(any::<u64>()),
                proptest::option::of(text()),
            )
                .prop_map(|(name, state, last_message_age_ms, slot, reason)| {
                    SourceHealth {
                        name,
                        state,
                        last_message_age_ms,
                        slot,
                        reason,
                    }
                }),
            0..3,
        ),
    )
        .prop_map(
            |(
                seq,
                timestamp,
                (websocket, price_calculator, detector, cs, cl, hit_rate, entry_count),
                (p95, per_min, stale, up, clients),
                sources,
            )| Health {
                seq,
                timestamp,
                components: Components {
                    websocket,
                    price_calculator,
                    detector,
                    cache: CacheHealth {
                        status: cs,
                        latency_ms: cl,
                        hit_rate,
                        entry_count,
                    },
                },
                metrics: HealthMetrics {
                    avg_detection_latency_p95: p95,
                    price_updates_per_min: per_min,
                    stale_prices: stale,
                    uptime_seconds: up,
                    connected_clients: clients,
                },
                sources,
            },
        )
}

fn log() -> impl Strategy<Value = LogMessage> {
    (
        any::<u64>(),
        timestamp(),
        prop::sample::select(vec![LogLevel::Info, LogLevel::Warning, LogLevel::Error]),
        text(),
        proptest::option::of(prop::collection::btree_map(text(), text(), 0..3)),
    )
        .prop_map(
            |(seq, timestamp, level, message, context): (
                u64,
                Timestamp,
                LogLevel,
                String,
                Option<BTreeMap<String, String>>,
            )| LogMessage {
                seq,
                timestamp,
                level,
                message,
                context,
            },
        )
}

fn level() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(finite())
}

fn alert() -> impl Strategy<Value = Alert> {
    (
        proptest::option::of(text()),
        proptest::option::of(prop::sample::select(vec![
            AlertCondition::Above,
            AlertCondition::Below,
            AlertCondition::Crosses,
        ])),
        (level(), level(), level(), level()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(prop::sample::select(vec![
            OpportunityType::Spatial,
            OpportunityType::Statistical,
            OpportunityType::Triangular,
            OpportunityType::CexDex,
        ])),
    )
        .prop_map(
            |(pair, condition, (price, spread, profit, hysteresis), dex, pool, kind)| Alert {
                pair,
                condition,
                price,
                dex,
                pool,
                spread_pct_above: spread,
                opportunity_type: kind,
                net_profit_pct_above: profit,
                hysteresis_pct: hysteresis,
            },
        )
}

fn alert_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        (request_id(), timestamp(), text(), alert()).prop_map(
            |(id, timestamp, alert_id, alert)| {
                ServerMessage::AlertAdded(AlertAdded {
                    id,
                    timestamp,
                    alert_id,
                    alert,
                })
            }
        ),
        (request_id(), timestamp(), text()).prop_map(|(id, timestamp, alert_id)| {
            ServerMessage::AlertRemoved(AlertRemoved {
                id,
                timestamp,
                alert_id,
            })
        }),
        (
            request_id(),
            timestamp(),
            prop::collection::vec((text(), alert(), any::<bool>()), 0..3)
        )
            .prop_map(|(id, timestamp, alerts)| ServerMessage::Alerts(AlertsList {
                id,
                timestamp,
                alerts: alerts
                    .into_iter()
                    .map(|(alert_id, alert, armed)| AlertEntry {
                        alert_id,
                        alert,
                        armed,
                    })
                    .collect(),
            })),
        (
            (timestamp(), text(), alert(), finite()),
            (channel(), any::<u64>(), text()),
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(prop::sample::select(vec![
                    CrossDirection::Up,
                    CrossDirection::Down
                ])),
            ),
        )
            .prop_map(
                |(
                    (timestamp, alert_id, alert, value),
                    (channel, seq, pair),
                    (pool, dex, opportunity_id, direction),
                )| {
                    ServerMessage::AlertTriggered(AlertTriggered {
                        timestamp,
                        alert_id,
                        alert,
                        value,
                        channel,
                        seq,
                        pair,
                        pool,
                        dex,
                        opportunity_id,
                        direction,
                    })
                }
            ),
    ]
}

fn filters() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(prop::collection::vec(text(), 0..3))
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![4 => core_message(), 1 => alert_message()]
}

fn core_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        (
            timestamp(),
            text(),
            text(),
            text(),
            text(),
            any::<u64>(),
            prop::collection::vec(channel(), 0..4)
        )
            .prop_map(
                |(
                    timestamp,
                    protocol,
                    server_version,
                    session_id,
                    epoch,
                    heartbeat_interval_ms,
                    channels,
                )| {
                    ServerMessage::Connected(Connected {
                        timestamp,
                        protocol,
                        server_version,
                        session_id,
                        epoch,
                        heartbeat_interval_ms,
                        channels,
                    })
                }
            ),
        (
            request_id(),
            timestamp(),
            prop::collection::vec(channel(), 0..4),
            filters(),
            filters()
        )
            .prop_map(
                |(id, timestamp, channels, pairs, dexes)| ServerMessage::Subscribed(
                    SubscriptionAck {
                        id,
                        timestamp,
                        channels,
                        pairs,
                        dexes
                    }
                )
            ),
        (
            request_id(),
            timestamp(),
            prop::collection::vec(channel(), 0..4)
        )
            .prop_map(|(id, timestamp, channels)| ServerMessage::Unsubscribed(
                SubscriptionAck {
                    id,
                    timestamp,
                    channels,
                    pairs: None,
                    dexes: None
                }
            )),
        (
            request_id(),
            timestamp(),
            channel(),
            any::<u64>(),
            proptest::option::of(prop::collection::vec(price_update(), 0..3)),
            proptest::option::of(prop::collection::vec(opportunity(), 0..2)),
            proptest::option::of(health()),
            proptest::option::of(prop::collection::vec(log(), 0..2))
        )
            .prop_map(
                |(id, timestamp, channel, seq, prices, opportunities, health, logs)| {
                    ServerMessage::Snapshot(Snapshot {
                        id,
                        timestamp,
                        channel,
                        seq,
                        prices,
                        opportunities,
                        health,
                        logs,
                    })
                }
            ),
        (
            request_id(),
            timestamp(),
            channel(),
            any::<bool>(),
            any::<u64>(),
            any::<u64>()
        )
            .prop_map(|(id, timestamp, channel, recovered, from_seq, to_seq)| {
                ServerMessage::Resumed(Resumed {
                    id,
                    timestamp,
                    channel,
                    recovered,
                    from_seq,
                    to_seq,
                })
            }),
        (request_id(), timestamp())
            .prop_map(|(id, timestamp)| ServerMessage::Pong(Pong { id, timestamp })),
        (
            request_id(),
            timestamp(),
            prop::sample::select(vec![
                ErrorCode::InvalidJson,
                ErrorCode::UnknownField,
                ErrorCode::RateLimited,
                ErrorCode::Internal
            ]),
            text(),
            proptest::option::of(text())
        )
            .prop_map(
                |(id, timestamp, code, message, details)| ServerMessage::Error(ErrorMessage {
                    id,
                    timestamp,
                    code,
                    message,
                    details
                })
            ),
        price_update().prop_map(ServerMessage::PriceUpdate),
        opportunity().prop_map(ServerMessage::Opportunity),
        health().prop_map(ServerMessage::Health),
        log().prop_map(ServerMessage::Log),
    ]
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    let subscription = || {
        (
            request_id(),
            prop::collection::vec(channel(), 0..4),
            filters(),
            filters(),
        )
            .prop_map(|(id, channels, pairs, dexes)| Subscription {
                id,
                channels,
                pairs,
                dexes,
            })
    };
    prop_oneof![
        subscription().prop_map(ClientMessage::Subscribe),
        subscription().prop_map(ClientMessage::Unsubscribe),
        request_id().prop_map(|id| ClientMessage::Ping(Ping { id })),
        (request_id(), channel(), text(), any::<u64>()).prop_map(
            |(id, channel, epoch, after_seq)| {
                ClientMessage::Resume(Resume {
                    id,
                    channel,
                    epoch,
                    after_seq,
                })
            }
        ),
        (request_id(), proptest::option::of(text()), alert()).prop_map(|(id, alert_id, alert)| {
            ClientMessage::AlertAdd(AlertAdd {
                id,
                alert_id,
                alert,
            })
        }),
        (request_id(), text())
            .prop_map(|(id, alert_id)| ClientMessage::AlertRemove(AlertRemove { id, alert_id })),
        request_id().prop_map(|id| ClientMessage::AlertList(AlertList { id })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn server_messages_round_trip(msg in server_message()) {
        for codec in [Codec::Json, Codec::MsgPack] {
            let bytes = encode(&msg, codec).unwrap();
            prop_assert_eq!(&decode_server(&bytes, codec).unwrap(), &msg);
        }
    }

    #[test]
    fn encoded_message_bytes_equal_direct_encoding(msg in server_message()) {
        let shared = EncodedMessage::new(msg.clone()).unwrap();
        prop_assert_eq!(shared.bytes(Codec::Json).unwrap(), encode(&msg, Codec::Json).unwrap());
        prop_assert_eq!(shared.bytes(Codec::MsgPack).unwrap(), encode(&msg, Codec::MsgPack).unwrap());
    }

    #[test]
    fn client_messages_round_trip(msg in client_message()) {
        for codec in [Codec::Json, Codec::MsgPack] {
            let bytes = encode_client(&msg, codec).unwrap();
            prop_assert_eq!(&decode_client(&bytes, codec, usize::MAX).unwrap(), &msg);
        }
    }

    #[test]
    fn client_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for codec in [Codec::Json, Codec::MsgPack] {
            let _ = decode_client(&bytes, codec, 16 * 1024);
        }
    }

    #[test]
    fn truncated_client_frames_are_errors(msg in client_message(), cut in 0usize..64) {
        for codec in [Codec::Json, Codec::MsgPack] {
            let bytes = encode_client(&msg, codec).unwrap();
            let end = bytes.len().saturating_sub(cut + 1);
            prop_assert!(decode_client(&bytes[..end], codec, usize::MAX).is_err());
        }
    }

    #[test]
    fn server_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for codec in [Codec::Json, Codec::MsgPack] {
            let _ = decode_server(&bytes, codec);
        }
    }
}

#[test]
fn server_parsing_is_lenient() {
    let unknown = br#"{"type":"candle","timestamp":"2026-01-11T12:34:56.789Z","open":1}"#;
    assert_eq!(
        decode_server(unknown, Codec::Json).unwrap(),
        ServerMessage::Unknown
    );
    let extra = br#"{"type":"pong","timestamp":"2026-01-11T12:34:56.789Z","new_field":[1,2]}"#;
    assert!(matches!(
        decode_server(extra, Codec::Json).unwrap(),
        ServerMessage::Pong(_)
    ));
}

#[test]
fn encoded_message_is_shared_not_copied() {
    let msg = ServerMessage::Pong(Pong {
        id: None,
        timestamp: Timestamp::from_unix_millis(0),
    });
    let a = EncodedMessage::new(msg).unwrap();
    let b = a.clone();
    assert!(a.ptr_eq(&b));
    let (x, y) = (
        a.bytes(Codec::MsgPack).unwrap(),
        b.bytes(Codec::MsgPack).unwrap(),
    );
    assert_eq!(
        x.as_ptr(),
        y.as_ptr(),
        "both handles must hand out the same buffer"
    );
}

#[test]
fn subprotocol_negotiation_follows_client_preference() {
    assert_eq!(
        Codec::negotiate(["dexmon.v1.msgpack", "dexmon.v1.json"]),
        (Codec::MsgPack, Some(SUBPROTOCOL_MSGPACK))
    );
    assert_eq!(
        Codec::negotiate(["chat", "dexmon.v1.json"]),
        (Codec::Json, Some(SUBPROTOCOL_JSON))
    );
    assert_eq!(Codec::negotiate([]), (Codec::Json, None));
}
