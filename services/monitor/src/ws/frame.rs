//! RFC 6455 framing, server side: the header of each frame this server sends, and the client's
//! frames read back into whole messages.
//!
//! The server writes a frame as its header and the payload's shared bytes, side by side in one
//! vectored write (see `socket.rs`): no copy of the payload and no write buffer that keeps the
//! size of the largest message ever sent. Reading checks every rule a server must enforce on
//! client frames (masking, reserved bits, control frame limits, fragmentation, UTF-8, close
//! codes) and checks the size limit from the header, before any payload is buffered.

use bytes::{Buf, Bytes, BytesMut};

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OpCode {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// Longest payload of a control frame (RFC 6455 §5.5).
pub(super) const MAX_CONTROL_PAYLOAD: usize = 125;

/// The header of a final, unmasked frame, as a server sends it: 2, 4 or 10 bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header {
    bytes: [u8; 10],
    len: u8,
}

impl Header {
    pub(super) fn new(opcode: OpCode, payload_len: usize) -> Self {
        let mut bytes = [0u8; 10];
        bytes[0] = 0x80 | opcode as u8;
        let len = match payload_len {
            0..=125 => {
                #[allow(clippy::cast_possible_truncation)] // at most 125
                {
                    bytes[1] = payload_len as u8;
                }
                2
            }
            126..=0xFFFF => {
                bytes[1] = 126;
                #[allow(clippy::cast_possible_truncation)] // at most 0xFFFF
                bytes[2..4].copy_from_slice(&(payload_len as u16).to_be_bytes());
                4
            }
            _ => {
                bytes[1] = 127;
                bytes[2..10].copy_from_slice(&(payload_len as u64).to_be_bytes());
                10
            }
        };
        Self { bytes, len }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// The payload of a close frame: the code, then the reason, cut to fit a control frame.
pub(super) fn close_payload(code: u16, reason: &str) -> Bytes {
    let mut cut = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut payload = Vec::with_capacity(2 + cut);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..cut]);
    Bytes::from(payload)
}

/// Why a client's frames end its connection. Each is answered with the close code
/// [`FrameError::close_code`] gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum FrameError {
    #[error("reserved bits set: no extension was negotiated")]
    ReservedBits,
    #[error("unknown opcode {0:#x}")]
    UnknownOpcode(u8),
    #[error("client frame not masked")]
    Unmasked,
    #[error("control frame fragmented or over 125 bytes")]
    BadControlFrame,
    #[error("64-bit length with its top bit set")]
    BadLength,
    #[error("continuation frame with no message to continue")]
    UnexpectedContinuation,
    #[error("new message before the previous one's final frame")]
    UnfinishedMessage,
    #[error("message of at least {0} bytes is over the limit")]
    TooLarge(u64),
    #[error("text message is not UTF-8")]
    InvalidUtf8,
    #[error("close frame with a 1-byte payload, an invalid code or a reason that is not UTF-8")]
    BadClose,
}

impl FrameError {
    /// The close code that answers it (RFC 6455 §7.4.1).
    pub(super) fn close_code(&self) -> u16 {
        use protocol::close_code::{INVALID_PAYLOAD, MESSAGE_TOO_BIG, PROTOCOL_ERROR};
        match self {
            Self::TooLarge(_) => MESSAGE_TOO_BIG,
            Self::InvalidUtf8 => INVALID_PAYLOAD,
            _ => PROTOCOL_ERROR,
        }
    }

    /// The close frame's reason, and the `reason` label of the metric.
    pub(super) fn reason(&self) -> &'static str {
        match self {
            Self::ReservedBits => "reserved bits set",
            Self::UnknownOpcode(_) => "unknown opcode",
            Self::Unmasked => "client frame not masked",
            Self::BadControlFrame => "bad control frame",
            Self::BadLength => "bad frame length",
            Self::UnexpectedContinuation => "unexpected continuation",
            Self::UnfinishedMessage => "unfinished message",
            Self::TooLarge(_) => "message too large",
            Self::InvalidUtf8 => "invalid utf-8",
            Self::BadClose => "bad close frame",
        }
    }
}

/// A whole message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Incoming {
    Text(Bytes),
    Binary(Bytes),
    Ping(Bytes),
    Pong,
    /// The client's close, with its code when it gave one.
    Close(Option<u16>),
}

/// Reads client frames into whole messages, one call per message.
#[derive(Debug)]
pub(super) struct Decoder {
    max_message: usize,
    /// The message being assembled from fragments: its opcode and what came so far.
    partial: Option<(OpCode, BytesMut)>,
}

impl Decoder {
    /// A decoder that refuses messages (and frames) longer than `max_message` bytes.
    pub(super) fn new(max_message: usize) -> Self {
        Self {
            max_message,
            partial: None,
        }
    }

    /// The next whole message in `buf`, taking the bytes it used; `None` when `buf` ends
    /// before one is complete (nothing is taken from a frame that is not whole). After an
    /// error the connection must close: the stream's framing can no longer be trusted.
    ///
    /// # Errors
    /// [`FrameError`] for a frame or message that breaks RFC 6455 or the size limit.
    pub(super) fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Incoming>, FrameError> {
        loop {
            let Some((fin, opcode, header_len, payload_len)) = self.header(buf)? else {
                return Ok(None);
            };
            if buf.len() - header_len < payload_len {
                // The buffer grows as the bytes arrive, not ahead of them: a header alone
                // must not make the server set memory aside.
                return Ok(None);
            }
            let mask: [u8; 4] = buf[header_len - 4..header_len]
                .try_into()
                .unwrap_or_default();
            buf.advance(header_len);
            let mut payload = buf.split_to(payload_len);
            unmask(&mut payload, mask);
            if let Some(message) = self.frame(fin, opcode, payload)? {
                return Ok(Some(message));
            }
        }
    }

    /// The next frame's header, checked: its FIN bit, opcode, header length and payload
    /// length. `None` until the whole header is in `buf`.
    fn header(&self, buf: &[u8]) -> Result<Option<(bool, OpCode, usize, usize)>, FrameError> {
        let [first, second, ..] = *buf else {
            return Ok(None);
        };
        let fin = first & 0x80 != 0;
        if first & 0x70 != 0 {
            return Err(FrameError::ReservedBits);
        }
        let opcode =
            OpCode::from_bits(first & 0x0F).ok_or(FrameError::UnknownOpcode(first & 0x0F))?;
        if second & 0x80 == 0 {
            return Err(FrameError::Unmasked);
        }
        let (length_len, short) = match second & 0x7F {
            126 => (2, None),
            127 => (8, None),
            n => (0, Some(u64::from(n))),
        };
        let header_len = 2 + length_len + 4;
        if opcode.is_control() && (!fin || short.is_none_or(|n| n > 125)) {
            return Err(FrameError::BadControlFrame);
        }
        let length = match short {
            Some(n) => n,
            None => {
                let Some(extended) = buf.get(2..2 + length_len) else {
                    return Ok(None);
                };
                let mut be = [0u8; 8];
                be[8 - length_len..].copy_from_slice(extended);
                let length = u64::from_be_bytes(be);
                if length >> 63 != 0 {
                    return Err(FrameError::BadLength);
                }
                length
            }
        };
        match (opcode, &self.partial) {
            (OpCode::Continuation, None) => return Err(FrameError::UnexpectedContinuation),
            (OpCode::Text | OpCode::Binary, Some(_)) => return Err(FrameError::UnfinishedMessage),
            _ => {}
        }
        let so_far = self.partial.as_ref().map_or(0, |(_, p)| p.len() as u64);
        let total = so_far.saturating_add(length);
        if !opcode.is_control() && total > self.max_message as u64 {
            return Err(FrameError::TooLarge(total));
        }
        if buf.len() < header_len {
            return Ok(None);
        }
        // Within `max_message`, or a control frame's 125 bytes: fits in `usize`.
        let payload_len = usize::try_from(length).map_err(|_| FrameError::TooLarge(length))?;
        Ok(Some((fin, opcode, header_len, payload_len)))
    }

    /// One whole, unmasked frame: a message, or `None` while a fragmented one goes on.
    fn frame(
        &mut self,
        fin: bool,
        opcode: OpCode,
        payload: BytesMut,
    ) -> Result<Option<Incoming>, FrameError> {
        let (opcode, payload) = match opcode {
            OpCode::Ping => return Ok(Some(Incoming::Ping(payload.freeze()))),
            OpCode::Pong => return Ok(Some(Incoming::Pong)),
            OpCode::Close => return close_code(&payload).map(|code| Some(Incoming::Close(code))),
            OpCode::Continuation => {
                let Some((first, mut so_far)) = self.partial.take() else {
                    return Err(FrameError::UnexpectedContinuation);
                };
                so_far.unsplit(payload);
                if !fin {
                    self.partial = Some((first, so_far));
                    return Ok(None);
                }
                (first, so_far)
            }
            OpCode::Text | OpCode::Binary => {
                if !fin {
                    self.partial = Some((opcode, payload));
                    return Ok(None);
                }
                (opcode, payload)
            }
        };
        let payload = payload.freeze();
        if opcode == OpCode::Text {
            std::str::from_utf8(&payload).map_err(|_| FrameError::InvalidUtf8)?;
            Ok(Some(Incoming::Text(payload)))
        } else {
            Ok(Some(Incoming::Binary(payload)))
        }
    }
}

/// The code of a close frame's payload, checked (RFC 6455 §5.5.1, §7.4).
fn close_code(payload: &[u8]) -> Result<Option<u16>, FrameError> {
    let Some((code, reason)) = payload.split_first_chunk::<2>() else {
        return if payload.is_empty() {
            Ok(None)
        } else {
            Err(FrameError::BadClose)
        };
    };
    let code = u16::from_be_bytes(*code);
    let valid = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
    if !valid || std::str::from_utf8(reason).is_err() {
        return Err(FrameError::BadClose);
    }
    Ok(Some(code))
}

/// Client payloads are masked with a 4-byte key (RFC 6455 §5.3); applying it again unmasks.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let mut chunks = payload.chunks_exact_mut(4);
    for chunk in &mut chunks {
        for (byte, key) in chunk.iter_mut().zip(mask) {
            *byte ^= key;
        }
    }
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= key;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A client frame as a browser would send it: masked with `mask`.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
        let mut frame = vec![if fin { 0x80 } else { 0 } | opcode];
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | u8::try_from(n).unwrap_or(0)),
            n @ 126..=0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        let mut masked = payload.to_vec();
        unmask(&mut masked, mask);
        frame.extend_from_slice(&masked);
        frame
    }

    fn decode_all(decoder: &mut Decoder, bytes: &[u8]) -> Result<Vec<Incoming>, FrameError> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(message) = decoder.decode(&mut buf)? {
            out.push(message);
        }
        Ok(out)
    }

    #[test]
    fn header_lengths_follow_the_payload_size() {
        for (len, header) in [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let h = Header::new(OpCode::Text, len);
            assert_eq!(h.as_bytes().len(), header, "payload of {len}");
            assert_eq!(h.as_bytes()[0], 0x81);
        }
        assert_eq!(
            Header::new(OpCode::Binary, 300).as_bytes(),
            [0x82, 126, 1, 44]
        );
    }

    #[test]
    fn fragments_and_interleaved_control_frames_make_one_message() {
        let mask = [1, 2, 3, 4];
        let mut bytes = client_frame(false, 0x1, b"{\"op\":", mask);
        bytes.extend(client_frame(true, 0x9, b"hi", mask));
        bytes.extend(client_frame(false, 0x0, b"\"pi", mask));
        bytes.extend(client_frame(true, 0x0, b"ng\"}", mask));
        let got = decode_all(&mut Decoder::new(1024), &bytes).unwrap();
        assert_eq!(
            got,
            [
                Incoming::Ping(Bytes::from_static(b"hi")),
                Incoming::Text(Bytes::from_static(b"{\"op\":\"ping\"}")),
            ]
        );
    }

    #[test]
    fn each_rule_has_its_error_and_close_code() {
        let mask = [9, 8, 7, 6];
        let cases: [(Vec<u8>, FrameError, u16); 9] = [
            (vec![0xC1, 0x80, 0, 0, 0, 0], FrameError::ReservedBits, 1002),
            (
                vec![0x83, 0x80, 0, 0, 0, 0],
                FrameError::UnknownOpcode(3),
                1002,
            ),
            (vec![0x81, 0x01, b'a'], FrameError::Unmasked, 1002),
            (
                client_frame(false, 0x9, b"", mask),
                FrameError::BadControlFrame,
                1002,
            ),
            (
                client_frame(true, 0x9, &[0; 126], mask),
                FrameError::BadControlFrame,
                1002,
            ),
            (
                client_frame(true, 0x0, b"x", mask),
                FrameError::UnexpectedContinuation,
                1002,
            ),
            (
                client_frame(true, 0x2, &[0; 65], mask),
                FrameError::TooLarge(65),
                1009,
            ),
            (
                client_frame(true, 0x1, &[0xFF], mask),
                FrameError::InvalidUtf8,
                1007,
            ),
            (
                client_frame(true, 0x8, &[3, 0xEC], mask),
                FrameError::BadClose,
                1002,
            ),
        ];
        for (bytes, error, code) in cases {
            let got = decode_all(&mut Decoder::new(64), &bytes);
            assert_eq!(got, Err(error.clone()), "{bytes:?}");
            assert_eq!(error.close_code(), code);
        }
        let mut unfinished = client_frame(false, 0x1, b"a", mask);
        unfinished.extend(client_frame(true, 0x1, b"b", mask));
        assert_eq!(
            decode_all(&mut Decoder::new(64), &unfinished),
            Err(FrameError::UnfinishedMessage)
        );
    }

    #[test]
    fn an_oversized_frame_is_refused_from_its_header_alone() {
        // Only the header of a 1 GB frame has arrived: nothing is buffered for it.
        let mut buf = BytesMut::from(&[0x82u8, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0][..]);
        assert_eq!(
            Decoder::new(16 * 1024).decode(&mut buf),
            Err(FrameError::TooLarge(1 << 30))
        );
    }

    #[test]
    fn close_frames_give_their_code() {
        let mask = [0; 4];
        let got = decode_all(
            &mut Decoder::new(64),
            &[
                client_frame(true, 0x8, &[0x03, 0xE8, b'o', b'k'], mask),
                client_frame(true, 0x8, b"", mask),
            ]
            .concat(),
        );
        assert_eq!(
            got,
            Ok(vec![Incoming::Close(Some(1000)), Incoming::Close(None)])
        );
        assert_eq!(
            &close_payload(4008, "slow consumer")[..],
            b"\x0f\xa8slow consumer"
        );
        assert_eq!(close_payload(1000, &"é".repeat(100)).len(), 2 + 122);
    }

    proptest! {
        /// Any bytes, fed in any split: an error or messages, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), max in 0usize..300) {
            let _ = decode_all(&mut Decoder::new(max), &bytes);
        }

        /// Masked messages, fragmented anywhere and delivered in arbitrary pieces, come back
        /// whole and in order.
        #[test]
        fn messages_survive_fragmentation_and_partial_reads(
            messages in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..400), 1usize..4), 1..6),
            mask in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(1usize..64, 1..40),
        ) {
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            for (binary, payload, pieces) in &messages {
                let payload = if *binary { payload.clone() } else {
                    String::from_utf8_lossy(payload).into_owned().into_bytes()
                };
                let step = payload.len().div_ceil(*pieces).max(1);
                let chunks: Vec<&[u8]> = if payload.is_empty() { vec![&[]] } else { payload.chunks(step).collect() };
                for (i, chunk) in chunks.iter().enumerate() {
                    let opcode = if i > 0 { 0x0 } else if *binary { 0x2 } else { 0x1 };
                    wire.extend(client_frame(i + 1 == chunks.len(), opcode, chunk, mask));
                    if i == 0 && chunks.len() > 1 {
                        wire.extend(client_frame(true, 0x9, b"p", mask));
                        expected.push(Incoming::Ping(Bytes::from_static(b"p")));
                    }
                }
                let payload = Bytes::from(payload);
                expected.push(if *binary { Incoming::Binary(payload) } else { Incoming::Text(payload) });
            }
            let mut decoder = Decoder::new(4096);
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            let mut rest = &wire[..];
            let mut cut = cuts.iter().cycle();
            while !rest.is_empty() {
                let n = (*cut.next().unwrap_or(&1)).min(rest.len());
                buf.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                while let Some(message) = decoder.decode(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))? {
                    got.push(message);
                }
            }
            prop_assert_eq!(got, expected);
            prop_assert!(buf.is_empty());
        }
    }
}
