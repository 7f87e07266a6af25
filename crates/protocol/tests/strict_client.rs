//! Strict parsing of client messages: every kind of bad input gets its own typed error and
//! wire code, and nothing panics.

use protocol::{
    Channel, ClientMessage, ClientParseError, Codec, ErrorCode, RequestId, Resume, Subscription,
    decode_client,
};

const MAX: usize = 16 * 1024;

fn json(s: &str) -> Result<ClientMessage, ClientParseError> {
    decode_client(s.as_bytes(), Codec::Json, MAX)
}

#[test]
fn accepts_each_message_type() {
    assert_eq!(
        json(r#"{"type":"subscribe","id":1,"channels":["prices"],"pairs":["SOL/USDC"]}"#).unwrap(),
        ClientMessage::Subscribe(Subscription {
            id: Some(RequestId::Number(1)),
            channels: vec![Channel::Prices],
            pairs: Some(vec!["SOL/USDC".into()]),
            dexes: None,
        })
    );
    assert!(matches!(
        json(r#"{"type":"ping"}"#).unwrap(),
        ClientMessage::Ping(_)
    ));
    assert_eq!(
        json(r#"{"type":"resume","id":"r","channel":"logs","epoch":"e","after_seq":5}"#).unwrap(),
        ClientMessage::Resume(Resume {
            id: Some(RequestId::Text("r".into())),
            channel: Channel::Logs,
            epoch: "e".into(),
            after_seq: 5,
        })
    );
}

#[test]
fn each_bad_input_has_its_own_code() {
    let cases: &[(&str, ErrorCode)] = &[
        ("{not json", ErrorCode::InvalidJson),
        ("", ErrorCode::InvalidJson),
        ("[1,2,3]", ErrorCode::InvalidMessage),
        (r#"{"id":1}"#, ErrorCode::InvalidMessage),
        (r#"{"type":7}"#, ErrorCode::InvalidMessage),
        (r#"{"type":"price_update"}"#, ErrorCode::UnknownType),
        (
            r#"{"type":"subscribe","chanels":["prices"]}"#,
            ErrorCode::UnknownField,
        ),
        (
            r#"{"type":"subscribe","channels":"prices"}"#,
            ErrorCode::InvalidField,
        ),
        (
            r#"{"type":"subscribe","channels":["candles"]}"#,
            ErrorCode::InvalidField,
        ),
        (
            r#"{"type":"resume","channel":"logs","epoch":"e"}"#,
            ErrorCode::InvalidField,
        ),
        (
            r#"{"type":"resume","channel":"logs","epoch":"e","after_seq":-1}"#,
            ErrorCode::InvalidField,
        ),
        (r#"{"type":"ping","id":1.5}"#, ErrorCode::InvalidField),
        (
            r#"{"type":"alert_add","alert":{"pair":"SOL/USDC","condition":"above","price":1,"sound":true}}"#,
            ErrorCode::UnknownField,
        ),
        (
            r#"{"type":"alert_add","alert":{"pair":"SOL/USDC","condition":"sideways","price":1}}"#,
            ErrorCode::InvalidField,
        ),
        (r#"{"type":"alert_add","id":3}"#, ErrorCode::InvalidField),
        (r#"{"type":"alert_remove"}"#, ErrorCode::InvalidField),
    ];
    for (input, code) in cases {
        let err = json(input).expect_err(input);
        assert_eq!(err.code(), *code, "{input} -> {err}");
    }
}

#[test]
fn an_alert_add_parses_with_its_alert() {
    let msg = json(
        r#"{"type":"alert_add","id":4,"alert_id":"sol","alert":{"pair":"SOL/USDC","condition":"crosses","price":180.0}}"#,
    )
    .unwrap();
    let ClientMessage::AlertAdd(add) = msg else {
        panic!("not an alert_add: {msg:?}")
    };
    assert_eq!(add.alert_id.as_deref(), Some("sol"));
    assert_eq!(add.alert.condition, Some(protocol::AlertCondition::Crosses));
    let err = json(r#"{"type":"alert_add","alert":{"pair":"SOL/USDC","colour":1}}"#).unwrap_err();
    assert!(err.to_string().contains("alert.colour"), "{err}");
}

#[test]
fn unknown_field_names_the_field() {
    let err = json(r#"{"type":"ping","id":1,"extra":true}"#).unwrap_err();
    assert_eq!(
        err,
        ClientParseError::UnknownField {
            msg_type: "ping",
            field: "extra".into()
        }
    );
}

#[test]
fn oversized_frames_are_refused_before_parsing() {
    let big = format!(r#"{{"type":"ping","id":"{}"}}"#, "x".repeat(MAX));
    let err = json(&big).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MessageTooLarge);
    assert!(matches!(err, ClientParseError::TooLarge { max: MAX, .. }));
}

#[test]
fn echoed_names_are_truncated() {
    let long = "t".repeat(10_000);
    let err = json(&format!(r#"{{"type":"{long}"}}"#)).unwrap_err();
    let ClientParseError::UnknownType(name) = err else {
        panic!("wrong error")
    };
    assert!(name.chars().count() <= 65);
}

#[test]
fn msgpack_garbage_and_non_maps_are_typed() {
    let err = decode_client(&[0xc1, 0xff, 0x00], Codec::MsgPack, MAX).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMsgpack);
    let array = rmp_serde::to_vec(&[1, 2, 3]).unwrap();
    let err = decode_client(&array, Codec::MsgPack, MAX).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMessage);
}

#[test]
fn deeply_nested_input_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        decode_client(deep.as_bytes(), Codec::Json, usize::MAX)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidJson
    );
}
