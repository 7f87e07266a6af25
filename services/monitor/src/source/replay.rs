//! Record and replay: the raw update stream in a compact binary file, played back
//! deterministically.
//!
//! Format (little-endian): the magic `DXMREC1\n`, then frames. A frame is one byte of kind,
//! then:
//! - kind 1, an account: pubkey (32), owner (32), slot (u64), write version (u64, `u64::MAX`
//!   for none), microseconds since the first frame (u64), data length (u32), data;
//! - kind 2, a slot tick: slot (u64), microseconds since the first frame (u64);
//! - kind 3, the end of a pipeline batch: microseconds since the first frame (u64) and the
//!   Unix time in milliseconds (i64) the batch was processed at.
//!
//! Replaying hands the pipeline the same batches, each at its recorded time (shifted to
//! now), and the pipeline's decisions read only those times. So a replay publishes the same
//! messages every time, at any speed.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use decoder::Pubkey;

use super::{AccountUpdate, SourceKind};

const MAGIC: &[u8; 8] = b"DXMREC1\n";
/// A single account is at most 10 MiB on Solana.
const MAX_DATA: u32 = 10 * 1024 * 1024;

/// Why a recording could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("recording I/O: {0}")]
    Io(#[from] io::Error),
    #[error("not a dexmon recording (bad magic)")]
    BadMagic,
    #[error("corrupt recording at frame {frame}: {reason}")]
    Corrupt { frame: u64, reason: &'static str },
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Account {
        update: AccountUpdate,
        offset_us: u64,
    },
    Slot {
        slot: u64,
        offset_us: u64,
    },
    /// The end of one pipeline batch, and when it was processed.
    BatchEnd {
        offset_us: u64,
        unix_ms: i64,
    },
}

/// One recorded pipeline batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayBatch {
    pub updates: Vec<AccountUpdate>,
    pub slot: Option<u64>,
    /// When the batch was processed: its offset from the first frame and the Unix time.
    /// `None` for recordings cut short before the batch's end.
    pub processed_at: Option<(u64, i64)>,
}

impl ReplayBatch {
    /// The batch's offset from the first frame.
    pub fn offset_us(&self) -> u64 {
        self.processed_at.map_or_else(
            || {
                self.updates
                    .iter()
                    .map(|u| u.received_at_us)
                    .max()
                    .unwrap_or(0)
            },
            |(offset, _)| offset,
        )
    }
}

/// Writes a recording.
#[derive(Debug)]
pub struct Recorder<W: Write> {
    out: BufWriter<W>,
    first_us: Option<u64>,
    pub frames: u64,
}

impl<W: Write> Recorder<W> {
    /// Starts a recording.
    ///
    /// # Errors
    /// Writing the header failed.
    pub fn new(out: W) -> Result<Self, RecordingError> {
        let mut out = BufWriter::new(out);
        out.write_all(MAGIC)?;
        Ok(Self {
            out,
            first_us: None,
            frames: 0,
        })
    }

    fn offset(&mut self, at_us: u64) -> u64 {
        let first = *self.first_us.get_or_insert(at_us);
        at_us.saturating_sub(first)
    }

    /// Appends an account update.
    ///
    /// # Errors
    /// Writing failed.
    pub fn account(&mut self, u: &AccountUpdate) -> Result<(), RecordingError> {
        let offset = self.offset(u.received_at_us);
        let len = u32::try_from(u.data.len()).map_err(|_| RecordingError::Corrupt {
            frame: self.frames,
            reason: "account data over 4 GiB",
        })?;
        self.out.write_all(&[1])?;
        self.out.write_all(&u.pubkey.to_bytes())?;
        self.out.write_all(&u.owner.to_bytes())?;
        self.out.write_all(&u.slot.to_le_bytes())?;
        self.out
            .write_all(&u.write_version.unwrap_or(u64::MAX).to_le_bytes())?;
        self.out.write_all(&offset.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&u.data)?;
        self.frames += 1;
        Ok(())
    }

    /// Appends a slot tick.
    ///
    /// # Errors
    /// Writing failed.
    pub fn slot(&mut self, slot: u64, at_us: u64) -> Result<(), RecordingError> {
        let offset = self.offset(at_us);
        self.out.write_all(&[2])?;
        self.out.write_all(&slot.to_le_bytes())?;
        self.out.write_all(&offset.to_le_bytes())?;
        self.frames += 1;
        Ok(())
    }

    /// Marks the end of one pipeline batch, processed at `at_us` ([`crate::clock::monotonic_us`])
    /// and `unix_ms`.
    ///
    /// # Errors
    /// Writing failed.
    pub fn batch_end(&mut self, at_us: u64, unix_ms: i64) -> Result<(), RecordingError> {
        let offset = self.offset(at_us);
        self.out.write_all(&[3])?;
        self.out.write_all(&offset.to_le_bytes())?;
        self.out.write_all(&unix_ms.to_le_bytes())?;
        self.frames += 1;
        Ok(())
    }

    /// Flushes and returns the inner writer.
    ///
    /// # Errors
    /// Flushing failed.
    pub fn finish(self) -> Result<W, RecordingError> {
        self.out
            .into_inner()
            .map_err(|e| RecordingError::Io(e.into_error()))
    }
}

/// Reads a recording frame by frame.
#[derive(Debug)]
pub struct Player<R: Read> {
    input: BufReader<R>,
    frame: u64,
}

impl<R: Read> Player<R> {
    /// Opens a recording.
    ///
    /// # Errors
    /// [`RecordingError::BadMagic`] for anything that is not a recording.
    pub fn new(input: R) -> Result<Self, RecordingError> {
        let mut input = BufReader::new(input);
        let mut magic = [0u8; 8];
        input
            .read_exact(&mut magic)
            .map_err(|_| RecordingError::BadMagic)?;
        if &magic != MAGIC {
            return Err(RecordingError::BadMagic);
        }
        Ok(Self { input, frame: 0 })
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordingError> {
        let mut buf = [0u8; N];
        self.input
            .read_exact(&mut buf)
            .map_err(|_| RecordingError::Corrupt {
                frame: self.frame,
                reason: "truncated frame",
            })?;
        Ok(buf)
    }

    fn u64(&mut self) -> Result<u64, RecordingError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// The next frame, or `None` at a clean end of file.
    ///
    /// # Errors
    /// A truncated or malformed frame.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, RecordingError> {
        let mut kind = [0u8; 1];
        if self.input.read(&mut kind)? == 0 {
            return Ok(None);
        }
        let frame = match kind[0] {
            1 => {
                let pubkey = Pubkey::new_from_array(self.array()?);
                let owner = Pubkey::new_from_array(self.array()?);
                let slot = self.u64()?;
                let write_version = Some(self.u64()?).filter(|v| *v != u64::MAX);
                let offset_us = self.u64()?;
                let len = u32::from_le_bytes(self.array()?);
                if len > MAX_DATA {
                    return Err(RecordingError::Corrupt {
                        frame: self.frame,
                        reason: "account data over 10 MiB",
                    });
                }
                let mut data = vec![0u8; len as usize];
                self.input
                    .read_exact(&mut data)
                    .map_err(|_| RecordingError::Corrupt {
                        frame: self.frame,
                        reason: "truncated account data",
                    })?;
                let update = AccountUpdate {
                    pubkey,
                    owner,
                    data: Bytes::from(data),
                    slot,
                    write_version,
                    received_at_us: offset_us,
                    source: SourceKind::Replay,
                };
                Frame::Account { update, offset_us }
            }
            2 => {
                let slot = self.u64()?;
                let offset_us = self.u64()?;
                Frame::Slot { slot, offset_us }
            }
            3 => {
                let offset_us = self.u64()?;
                let unix_ms = i64::from_le_bytes(self.array()?);
                Frame::BatchEnd { offset_us, unix_ms }
            }
            _ => {
                return Err(RecordingError::Corrupt {
                    frame: self.frame,
                    reason: "unknown frame kind",
                });
            }
        };
        self.frame += 1;
        Ok(Some(frame))
    }
}

impl<R: Read> Player<R> {
    /// The next recorded batch: the frames up to the next batch end (or the end of file).
    ///
    /// # Errors
    /// As [`Player::next_frame`].
    pub fn next_batch(&mut self) -> Result<Option<ReplayBatch>, RecordingError> {
        let mut batch = ReplayBatch {
            updates: Vec::new(),
            slot: None,
            processed_at: None,
        };
        let mut any = false;
        while let Some(frame) = self.next_frame()? {
            any = true;
            match frame {
                Frame::Account { update, .. } => batch.updates.push(update),
                Frame::Slot { slot, .. } => {
                    batch.slot = Some(batch.slot.map_or(slot, |s| s.max(slot)))
                }
                Frame::BatchEnd { offset_us, unix_ms } => {
                    batch.processed_at = Some((offset_us, unix_ms));
                    return Ok(Some(batch));
                }
            }
        }
        Ok(any.then_some(batch))
    }
}

/// A batch for the pipeline, with the time to process it at.
pub type TimedBatch = (Vec<AccountUpdate>, Option<u64>, crate::clock::BatchClock);

/// Plays a recording into the pipeline, batch by recorded batch. `speed` multiplies the
/// recorded pace (0 = as fast as the pipeline takes them). Times are shifted so the first
/// frame is at `base_us`; recorded Unix times are kept, so fee models see the same clock.
/// Returns the number of batches played.
///
/// # Errors
/// Opening or reading the file failed.
pub async fn run(
    path: &Path,
    speed: f64,
    base_us: u64,
    pipeline: tokio::sync::mpsc::Sender<TimedBatch>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<u64, RecordingError> {
    let mut player = Player::new(std::fs::File::open(path)?)?;
    let start = tokio::time::Instant::now();
    let mut batches = 0u64;
    while let Some(batch) = player.next_batch()? {
        if *shutdown.borrow() {
            break;
        }
        let offset_us = batch.offset_us();
        if speed > 0.0 {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let due = start + Duration::from_micros((offset_us as f64 / speed) as u64);
            tokio::select! {
                () = tokio::time::sleep_until(due) => {}
                _ = shutdown.changed() => break,
            }
        }
        let clock = crate::clock::BatchClock {
            now_us: base_us + offset_us,
            unix_us: batch
                .processed_at
                .map_or_else(crate::clock::unix_us, |(_, unix_ms)| unix_ms * 1_000),
        };
        let mut updates = batch.updates;
        for update in &mut updates {
            update.received_at_us += base_us;
        }
        // A bounded channel: a fast replay waits for the pipeline instead of dropping.
        tokio::select! {
            sent = pipeline.send((updates, batch.slot, clock)) => if sent.is_err() { break },
            _ = shutdown.changed() => break,
        }
        batches += 1;
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(n: u8, slot: u64, at: u64) -> AccountUpdate {
        AccountUpdate {
            pubkey: Pubkey::new_from_array([n; 32]),
            owner: Pubkey::new_from_array([9; 32]),
            data: Bytes::from(vec![n; 100]),
            slot,
            write_version: if n.is_multiple_of(2) { Some(7) } else { None },
            received_at_us: at,
            source: SourceKind::Simulator,
        }
    }

    #[test]
    fn a_recording_plays_back_what_was_written() {
        let mut rec = Recorder::new(Vec::new()).unwrap();
        rec.account(&update(1, 10, 1_000)).unwrap();
        rec.slot(11, 1_500).unwrap();
        rec.account(&update(2, 11, 2_000)).unwrap();
        let bytes = rec.finish().unwrap();
        let mut player = Player::new(bytes.as_slice()).unwrap();
        let Some(Frame::Account {
            update: a,
            offset_us: 0,
        }) = player.next_frame().unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (a.pubkey, a.slot, a.write_version, a.data.len()),
            (Pubkey::new_from_array([1; 32]), 10, None, 100)
        );
        assert_eq!(
            player.next_frame().unwrap(),
            Some(Frame::Slot {
                slot: 11,
                offset_us: 500
            })
        );
        let Some(Frame::Account {
            update: b,
            offset_us: 1_000,
        }) = player.next_frame().unwrap()
        else {
            panic!()
        };
        assert_eq!(b.write_version, Some(7));
        assert_eq!(player.next_frame().unwrap(), None);
    }

    #[test]
    fn damaged_recordings_are_typed_errors() {
        assert!(matches!(
            Player::new(&b"not a file"[..]),
            Err(RecordingError::BadMagic)
        ));
        let mut rec = Recorder::new(Vec::new()).unwrap();
        rec.account(&update(1, 10, 0)).unwrap();
        let mut bytes = rec.finish().unwrap();
        bytes.truncate(bytes.len() - 10);
        let mut player = Player::new(bytes.as_slice()).unwrap();
        assert!(matches!(
            player.next_frame(),
            Err(RecordingError::Corrupt { frame: 0, .. })
        ));
        let mut bad = MAGIC.to_vec();
        bad.push(9);
        assert!(matches!(
            Player::new(bad.as_slice()).unwrap().next_frame(),
            Err(RecordingError::Corrupt {
                reason: "unknown frame kind",
                ..
            })
        ));
    }
}
