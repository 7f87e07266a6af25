//! What a Yellowstone server meant when a stream ended, across its generations.
//!
//! Replay errors arrive as an error item on an accepted stream; authentication errors
//! come back from the Subscribe call itself. The codes and texts below are those of the
//! yellowstone-grpc geyser plugin (the server) by version:
//!
//! | server | `from_slot` without replay | gap beyond the window | bad `x-token` |
//! |---|---|---|---|
//! | before 3.2 / 4.2 | ignored: the stream starts live, no error | - | `UNAUTHENTICATED` |
//! | 3.2 / 4.2 → 12.2 | `INTERNAL` "from_slot is not supported" | `INTERNAL` "broadcast from N is not available, last available: M" | `UNAUTHENTICATED` "No valid auth token" |
//! | 12.3, 13.1 → 15.x | same | `OUT_OF_RANGE`, same text | same, or an empty message from the per-listener auth layer (14.1+) |
//!
//! 14.2+ also answers `INTERNAL` "failed to get replay response" when `from_slot` is newer
//! than anything it stored. Replay was off by default (`replay_stored_slots = 0`) before
//! 12.3 / 13.1, and the sample config still sets 0, so many endpoints cannot replay.
//!
//! Only an `INTERNAL` whose text names the replay means "cannot replay": any other
//! `INTERNAL` is a server fault and is retried. Proxies in front of hosted endpoints word
//! their refusals their own way, so authentication is recognized by code alone.

use yellowstone_grpc_proto::tonic::{Code, Status};

use super::yellowstone::StreamEnd;

/// What to do after a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndAction {
    /// Transient: reconnect after the backoff, resuming where the stream stopped.
    Retry,
    /// The token was refused: down until a slow retry; reconnecting faster cannot help.
    Unauthorized,
    /// This server never replays: subscribe fresh now and never ask it for `from_slot` again.
    ReplayUnsupported,
    /// The server cannot replay from that slot: subscribe fresh now (the gap is re-read
    /// over RPC when no other stream covered it).
    CannotReplayFrom,
}

impl EndAction {
    /// Classifies why a stream ended; `asked_from_slot` is whether it was asked to replay
    /// (a replay answer to a fresh subscription would be a server bug, and is retried).
    pub fn of(end: &StreamEnd, asked_from_slot: bool) -> Self {
        match end {
            StreamEnd::Subscribe(status) | StreamEnd::Status(status) => {
                Self::of_status(status, asked_from_slot)
            }
            _ => Self::Retry,
        }
    }

    fn of_status(status: &Status, asked_from_slot: bool) -> Self {
        let code = status.code();
        if matches!(code, Code::Unauthenticated | Code::PermissionDenied) {
            return Self::Unauthorized;
        }
        if !asked_from_slot {
            return Self::Retry;
        }
        let text = status.message().to_ascii_lowercase();
        let names_from_slot = text.contains("from_slot") || text.contains("replay");
        let unsupported = text.contains("not supported") || text.contains("unsupported");
        match code {
            Code::OutOfRange => Self::CannotReplayFrom,
            Code::Internal
            | Code::Unimplemented
            | Code::InvalidArgument
            | Code::FailedPrecondition
                if names_from_slot && unsupported =>
            {
                Self::ReplayUnsupported
            }
            Code::Internal
                if text.contains("is not available") || text.contains("last available") =>
            {
                Self::CannotReplayFrom
            }
            Code::Internal
                if text.contains("failed to get replay response")
                    || text.contains("failed to send from_slot request") =>
            {
                Self::CannotReplayFrom
            }
            _ => Self::Retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(status: Status) -> StreamEnd {
        StreamEnd::Status(status)
    }

    #[test]
    fn every_generation_s_no_replay_answer_is_recognized() {
        let answer = stream(Status::internal("from_slot is not supported"));
        assert_eq!(EndAction::of(&answer, true), EndAction::ReplayUnsupported);
        let proxy = stream(Status::unimplemented("replay is not supported here"));
        assert_eq!(EndAction::of(&proxy, true), EndAction::ReplayUnsupported);
    }

    #[test]
    fn both_gap_answers_are_recognized() {
        let text = "broadcast from 100 is not available, last available: 250";
        assert_eq!(
            EndAction::of(&stream(Status::internal(text)), true),
            EndAction::CannotReplayFrom,
            "3.2 → 12.2"
        );
        assert_eq!(
            EndAction::of(&stream(Status::out_of_range(text)), true),
            EndAction::CannotReplayFrom,
            "12.3 and later"
        );
        assert_eq!(
            EndAction::of(
                &stream(Status::internal("failed to get replay response")),
                true
            ),
            EndAction::CannotReplayFrom,
            "14.2 and later, from_slot past the stored blocks"
        );
    }

    #[test]
    fn refused_tokens_are_unauthorized_whatever_the_text() {
        for status in [
            Status::unauthenticated("No valid auth token"),
            Status::unauthenticated(""),
            Status::permission_denied("plan does not include this"),
        ] {
            let end = StreamEnd::Subscribe(status);
            assert_eq!(EndAction::of(&end, false), EndAction::Unauthorized);
        }
    }

    #[test]
    fn other_failures_are_retried() {
        assert_eq!(
            EndAction::of(&stream(Status::internal("database exploded")), true),
            EndAction::Retry,
            "an INTERNAL that is not about replay"
        );
        assert_eq!(
            EndAction::of(
                &stream(Status::internal("from_slot is not supported")),
                false
            ),
            EndAction::Retry,
            "not asked to replay"
        );
        assert_eq!(
            EndAction::of(&stream(Status::unavailable("bye")), true),
            EndAction::Retry
        );
        assert_eq!(EndAction::of(&StreamEnd::Closed, true), EndAction::Retry);
    }
}
