//! Queued outbound PCM at the codec rate, and the marks placed in it.

use std::collections::VecDeque;

use codecs::{PACKET_SAMPLES, Resampler};

use crate::error::MediaError;

/// Most marks that may wait for their audio at once.
pub const MAX_PENDING_MARKS: usize = 1024;
/// Longest mark name, in bytes.
pub const MAX_MARK_NAME: usize = 256;

/// Silence fed to the resampler to push its last samples out.
const ZEROS: [i16; 64] = [0; 64];

/// A mark that has completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkDone {
    /// The name given to [`PlayoutQueue::mark`].
    pub name: String,
    /// True when the mark completed because the queue was cleared.
    pub cleared: bool,
}

/// What the queue gives for one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundFrame {
    /// Queued audio (zero-padded if the queue ran short).
    Audio {
        /// First frame after the queue was empty: set the RTP marker bit.
        talk_spurt_start: bool,
    },
    /// Nothing queued.
    Idle,
}

/// Outbound audio waiting to be sent, at the codec's 8 kHz.
#[derive(Debug)]
pub struct PlayoutQueue {
    samples: VecDeque<i16>,
    limit: usize,
    resampler: Option<Resampler>,
    resampled: Vec<i16>,
    /// Output samples of queued audio still inside the resampler's filter
    /// (its group delay), not yet in `samples`.
    tail: usize,
    queued_total: u64,
    sent_total: u64,
    marks: VecDeque<(u64, String)>,
    talking: bool,
    /// The last tick held back a short queue (see `next_frame`).
    held: bool,
}

impl PlayoutQueue {
    /// A queue holding at most `limit_samples` samples at 8 kHz.
    pub fn new(limit_samples: usize) -> PlayoutQueue {
        PlayoutQueue {
            samples: VecDeque::with_capacity(PACKET_SAMPLES * 50),
            limit: limit_samples.max(PACKET_SAMPLES),
            resampler: None,
            resampled: Vec::with_capacity(PACKET_SAMPLES * 6),
            tail: 0,
            queued_total: 0,
            sent_total: 0,
            marks: VecDeque::new(),
            talking: false,
            held: false,
        }
    }

    /// Samples waiting (8 kHz).
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Appends `pcm` sampled at `rate` Hz, resampling to 8 kHz.
    pub fn push(&mut self, pcm: &[i16], rate: u32) -> Result<(), MediaError> {
        if self.resampler.as_ref().is_some_and(|r| r.from_hz() != rate) {
            // The audio at the old rate ends before the new begins.
            self.flush_tail();
        }
        let input: &[i16] = if rate == 8000 {
            pcm
        } else {
            if self.resampler.is_none() {
                self.resampler = Some(Resampler::new(rate, 8000)?);
            }
            self.resampled.clear();
            if let Some(r) = self.resampler.as_mut() {
                r.process(pcm, &mut self.resampled);
                if !pcm.is_empty() {
                    self.tail = r.group_delay().round() as usize;
                }
            }
            &self.resampled
        };
        if self.samples.len() + input.len() > self.limit {
            return Err(MediaError::QueueFull {
                queued_ms: self.samples.len() as u64 / 8,
            });
        }
        self.samples.extend(input.iter().copied());
        self.queued_total += input.len() as u64;
        Ok(())
    }

    /// Places a mark after everything queued so far, including the
    /// resampler's last samples. Returns it at once, completed, when
    /// nothing queued before it is still unsent. Names longer than
    /// [`MAX_MARK_NAME`] bytes, and marks beyond [`MAX_PENDING_MARKS`]
    /// waiting, are refused.
    pub fn mark(&mut self, name: String) -> Result<Option<MarkDone>, MediaError> {
        if name.len() > MAX_MARK_NAME {
            return Err(MediaError::MarkNameTooLong {
                len: name.len(),
                max: MAX_MARK_NAME,
            });
        }
        let at = self.queued_total + self.tail as u64;
        if at <= self.sent_total && self.marks.is_empty() {
            return Ok(Some(MarkDone {
                name,
                cleared: false,
            }));
        }
        if self.marks.len() >= MAX_PENDING_MARKS {
            return Err(MediaError::TooManyMarks {
                pending: self.marks.len(),
            });
        }
        self.marks.push_back((at, name));
        Ok(None)
    }

    /// Pushes the resampler's last samples (its group delay) into the
    /// queue by feeding it silence, and starts a fresh filter for the next
    /// audio.
    fn flush_tail(&mut self) {
        let Some(r) = self.resampler.as_mut() else {
            return;
        };
        if self.tail > 0 {
            self.resampled.clear();
            let mut rounds = 0;
            while self.resampled.len() < self.tail && rounds < 1024 {
                r.process(&ZEROS, &mut self.resampled);
                rounds += 1;
            }
            let take = self.tail.min(self.resampled.len());
            self.samples
                .extend(self.resampled.iter().take(take).copied());
            self.queued_total += take as u64;
            for (at, _) in &mut self.marks {
                *at = (*at).min(self.queued_total);
            }
            self.tail = 0;
        }
        self.resampler = Resampler::new(r.from_hz(), 8000).ok();
    }

    /// Drops all queued audio at once and completes every pending mark,
    /// appending them to `done`. The next frame out is silence.
    pub fn clear(&mut self, done: &mut Vec<MarkDone>) {
        self.samples.clear();
        self.sent_total = self.queued_total;
        self.talking = false;
        self.held = false;
        if let Some(r) = self.resampler.take() {
            // A fresh filter: no tail of the cleared audio leaks into the next.
            self.resampler = Resampler::new(r.from_hz(), 8000).ok();
        }
        self.tail = 0;
        done.extend(self.marks.drain(..).map(|(_, name)| MarkDone {
            name,
            cleared: true,
        }));
    }

    /// Takes the next packet's worth of audio (`out.len()` samples) into
    /// `out` and appends the marks it completes to `done`.
    ///
    /// Audio that arrives in real time in chunks of any size must not be
    /// sent with holes: a talk spurt starts one tick after its first audio
    /// was queued (then audio streamed in real time is always a frame
    /// ahead), and a queue that runs short in mid-utterance is held back
    /// for one tick, so the audio still streaming in fills the frame. A
    /// short queue goes out zero-padded when a mark follows it (the
    /// utterance is complete) or after one tick held back.
    pub fn next_frame(&mut self, out: &mut [i16], done: &mut Vec<MarkDone>) -> OutboundFrame {
        if self.samples.len() < out.len() && self.tail > 0 && (self.held || self.mark_at_end()) {
            self.flush_tail();
        }
        let short = self.samples.len() < out.len();
        let hold = !self.held && (!self.talking || (short && !self.mark_at_end()));
        if self.samples.is_empty() || hold {
            self.held = !self.samples.is_empty() || self.tail > 0;
            self.talking = false;
            out.fill(0);
            self.complete_marks(done);
            return OutboundFrame::Idle;
        }
        self.held = false;
        let take = self.samples.len().min(out.len());
        for (slot, sample) in out.iter_mut().zip(self.samples.drain(..take)) {
            *slot = sample;
        }
        out[take..].fill(0);
        self.sent_total += take as u64;
        let talk_spurt_start = !self.talking;
        self.talking = true;
        self.complete_marks(done);
        OutboundFrame::Audio { talk_spurt_start }
    }

    /// Whether a mark waits at the end of everything queued: the utterance
    /// is complete, nothing more will fill a short frame.
    fn mark_at_end(&self) -> bool {
        self.marks
            .back()
            .is_some_and(|(at, _)| *at >= self.queued_total + self.tail as u64)
    }

    fn complete_marks(&mut self, done: &mut Vec<MarkDone>) {
        while self
            .marks
            .front()
            .is_some_and(|(at, _)| *at <= self.sent_total)
        {
            if let Some((_, name)) = self.marks.pop_front() {
                done.push(MarkDone {
                    name,
                    cleared: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_complete_with_the_frame_that_sends_their_last_sample() {
        let mut q = PlayoutQueue::new(8000 * 60);
        let mut done = Vec::new();
        let mut out = [0; PACKET_SAMPLES];
        q.push(&[1; 400], 8000).unwrap();
        assert_eq!(q.mark("a".into()), Ok(None));
        q.push(&[2; 160], 8000).unwrap();
        assert_eq!(q.mark("b".into()), Ok(None));
        // The talk spurt starts one tick after its audio was queued.
        assert_eq!(q.next_frame(&mut out, &mut done), OutboundFrame::Idle);
        assert_eq!(
            q.next_frame(&mut out, &mut done),
            OutboundFrame::Audio {
                talk_spurt_start: true
            }
        );
        assert_eq!(
            q.next_frame(&mut out, &mut done),
            OutboundFrame::Audio {
                talk_spurt_start: false
            }
        );
        assert!(done.is_empty());
        // Third frame: 80 samples of the first chunk, 80 of the second.
        q.next_frame(&mut out, &mut done);
        assert_eq!(&out[79..81], &[1, 2]);
        assert_eq!(
            done,
            vec![MarkDone {
                name: "a".into(),
                cleared: false
            }]
        );
        q.next_frame(&mut out, &mut done);
        assert_eq!(done.len(), 2);
        assert_eq!(&out[79..81], &[2, 0]);
        assert_eq!(q.next_frame(&mut out, &mut done), OutboundFrame::Idle);
        assert_eq!(
            q.mark("c".into()),
            Ok(Some(MarkDone {
                name: "c".into(),
                cleared: false
            }))
        );
    }

    #[test]
    fn audio_streamed_in_real_time_chunks_plays_without_holes() {
        for chunk_ms in [7usize, 13, 30] {
            let mut q = PlayoutQueue::new(8000 * 60);
            let mut done = Vec::new();
            let mut out = [0; PACKET_SAMPLES];
            // One second of audio that is never zero, sample k worth k % 97 + 1,
            // streamed in chunks at their real time; a mark after the chunk
            // that crosses 500 ms and one after the last.
            let total = 8000;
            let signal: Vec<i16> = (0..total).map(|k| (k % 97 + 1) as i16).collect();
            let mut queued = 0;
            let mut marks_at = Vec::new();
            let mut sent: Vec<i16> = Vec::new();
            let mut completions = Vec::new();
            for ms in 0..1200 {
                if ms % chunk_ms == 0 && queued < total {
                    let end = (queued + chunk_ms * 8).min(total);
                    q.push(&signal[queued..end], 8000).unwrap();
                    let crossed_half = queued < total / 2 && end >= total / 2;
                    queued = end;
                    if crossed_half || end == total {
                        let name = if end == total { "end" } else { "half" };
                        assert_eq!(q.mark(name.into()), Ok(None));
                        marks_at.push((name, end));
                    }
                }
                if ms % 20 == 0 {
                    if let OutboundFrame::Audio { .. } = q.next_frame(&mut out, &mut done) {
                        sent.extend_from_slice(&out);
                    }
                    for m in done.drain(..) {
                        completions.push((m.name, sent.len()));
                    }
                }
            }
            let first = sent.iter().position(|&s| s != 0).unwrap();
            let last = sent.iter().rposition(|&s| s != 0).unwrap();
            assert_eq!(first, 0, "{chunk_ms} ms chunks");
            let hole = sent[..=last].iter().position(|&s| s == 0);
            assert_eq!(
                hole, None,
                "{chunk_ms} ms chunks: a zero inside the utterance"
            );
            assert!(
                sent[..=last] == signal[..],
                "{chunk_ms} ms chunks: audio altered"
            );
            // Each mark completes with the frame that sends its last sample.
            let expected: Vec<(String, usize)> = marks_at
                .iter()
                .map(|(name, at)| {
                    (
                        name.to_string(),
                        at.div_ceil(PACKET_SAMPLES) * PACKET_SAMPLES,
                    )
                })
                .collect();
            assert_eq!(completions, expected, "{chunk_ms} ms chunks");
        }
    }

    #[test]
    fn a_mark_after_resampled_audio_waits_for_the_filter_tail() {
        let mut q = PlayoutQueue::new(8000 * 60);
        let mut done = Vec::new();
        let mut out = [0; PACKET_SAMPLES];
        let tone: Vec<i16> = (0..16_000)
            .map(|k| (8000.0 * (k as f64 * 0.1).sin()) as i16)
            .collect();
        q.push(&tone, 16_000).unwrap();
        let delay = Resampler::new(16_000, 8000).unwrap().group_delay() as usize;
        assert!(delay > 0);
        assert_eq!(q.mark("m".into()), Ok(None));
        let mut sent = Vec::new();
        for _ in 0..60 {
            if let OutboundFrame::Audio { .. } = q.next_frame(&mut out, &mut done) {
                sent.extend_from_slice(&out);
            }
            if !done.is_empty() {
                break;
            }
        }
        assert_eq!(done.len(), 1);
        // The mark completes with the frame that holds the last of the
        // 8000 + delay samples, and that tail is the tone, not silence.
        assert_eq!(
            sent.len(),
            (8000 + delay).div_ceil(PACKET_SAMPLES) * PACKET_SAMPLES
        );
        let tail = &sent[8000..8000 + delay];
        let rms = (tail.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / delay as f64).sqrt();
        assert!(rms > 2000.0, "tail RMS {rms}");
        // The next utterance starts with a fresh filter and its own tail.
        q.push(&tone[..320], 16_000).unwrap();
        assert_eq!(q.mark("n".into()), Ok(None));
    }

    #[test]
    fn clear_drops_audio_and_returns_marks() {
        let mut q = PlayoutQueue::new(8000 * 60);
        let mut done = Vec::new();
        let mut out = [0; PACKET_SAMPLES];
        q.push(&[5; 16000], 16000).unwrap();
        q.mark("m".into()).unwrap();
        q.next_frame(&mut out, &mut done);
        q.clear(&mut done);
        assert_eq!(
            done,
            vec![MarkDone {
                name: "m".into(),
                cleared: true
            }]
        );
        assert_eq!(q.next_frame(&mut out, &mut done), OutboundFrame::Idle);
        assert_eq!(out, [0; PACKET_SAMPLES]);
        q.push(&[5; 320], 16000).unwrap();
        // Streaming audio without a mark after it starts one tick later.
        assert_eq!(q.next_frame(&mut out, &mut done), OutboundFrame::Idle);
        assert!(matches!(
            q.next_frame(&mut out, &mut done),
            OutboundFrame::Audio {
                talk_spurt_start: true
            }
        ));
    }

    #[test]
    fn marks_are_bounded_in_number_and_name_length() {
        let mut q = PlayoutQueue::new(8000 * 60);
        q.push(&[1; 160], 8000).unwrap();
        let long = "x".repeat(MAX_MARK_NAME + 1);
        assert_eq!(
            q.mark(long),
            Err(MediaError::MarkNameTooLong {
                len: MAX_MARK_NAME + 1,
                max: MAX_MARK_NAME
            })
        );
        for k in 0..MAX_PENDING_MARKS {
            assert_eq!(q.mark(format!("m{k}")), Ok(None));
        }
        assert_eq!(
            q.mark("one-more".into()),
            Err(MediaError::TooManyMarks {
                pending: MAX_PENDING_MARKS
            })
        );
        // Once the audio is sent, every mark completes and room is back.
        let (mut out, mut done) = ([0; PACKET_SAMPLES], Vec::new());
        while done.is_empty() {
            q.next_frame(&mut out, &mut done);
        }
        assert_eq!(done.len(), MAX_PENDING_MARKS);
        assert!(q.mark("again".into()).is_ok());
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut q = PlayoutQueue::new(1600);
        q.push(&[0; 1600], 8000).unwrap();
        assert_eq!(
            q.push(&[0; 1], 8000),
            Err(MediaError::QueueFull { queued_ms: 200 })
        );
        assert!(q.push(&[0; 1], 44100).is_err());
    }
}
