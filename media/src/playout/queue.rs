//! Queued outbound PCM at the codec rate, and the marks placed in it.

use std::collections::VecDeque;

use codecs::{PACKET_SAMPLES, Resampler};

use crate::error::MediaError;

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
    queued_total: u64,
    sent_total: u64,
    marks: VecDeque<(u64, String)>,
    talking: bool,
}

impl PlayoutQueue {
    /// A queue holding at most `limit_samples` samples at 8 kHz.
    pub fn new(limit_samples: usize) -> PlayoutQueue {
        PlayoutQueue {
            samples: VecDeque::with_capacity(PACKET_SAMPLES * 50),
            limit: limit_samples.max(PACKET_SAMPLES),
            resampler: None,
            resampled: Vec::with_capacity(PACKET_SAMPLES * 6),
            queued_total: 0,
            sent_total: 0,
            marks: VecDeque::new(),
            talking: false,
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

    /// Marks not yet completed.
    pub fn pending_marks(&self) -> usize {
        self.marks.len()
    }

    /// Appends `pcm` sampled at `rate` Hz, resampling to 8 kHz.
    pub fn push(&mut self, pcm: &[i16], rate: u32) -> Result<(), MediaError> {
        let input: &[i16] = if rate == 8000 {
            pcm
        } else {
            if self.resampler.as_ref().is_none_or(|r| r.from_hz() != rate) {
                self.resampler = Some(Resampler::new(rate, 8000)?);
            }
            self.resampled.clear();
            if let Some(r) = self.resampler.as_mut() {
                r.process(pcm, &mut self.resampled);
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

    /// Places a mark after everything queued so far. Returns it at once,
    /// completed, when nothing queued before it is still unsent.
    pub fn mark(&mut self, name: String) -> Option<MarkDone> {
        if self.queued_total <= self.sent_total && self.marks.is_empty() {
            return Some(MarkDone {
                name,
                cleared: false,
            });
        }
        self.marks.push_back((self.queued_total, name));
        None
    }

    /// Drops all queued audio at once and completes every pending mark,
    /// appending them to `done`. The next frame out is silence.
    pub fn clear(&mut self, done: &mut Vec<MarkDone>) {
        self.samples.clear();
        self.sent_total = self.queued_total;
        self.talking = false;
        if let Some(r) = self.resampler.take() {
            // A fresh filter: no tail of the cleared audio leaks into the next.
            self.resampler = Resampler::new(r.from_hz(), 8000).ok();
        }
        done.extend(self.marks.drain(..).map(|(_, name)| MarkDone {
            name,
            cleared: true,
        }));
    }

    /// Takes the next packet's worth of audio (`out.len()` samples) into
    /// `out` and appends the marks it completes to `done`.
    pub fn next_frame(&mut self, out: &mut [i16], done: &mut Vec<MarkDone>) -> OutboundFrame {
        let take = self.samples.len().min(out.len());
        if take == 0 {
            self.talking = false;
            out.fill(0);
            self.complete_marks(done);
            return OutboundFrame::Idle;
        }
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
        assert_eq!(q.mark("a".into()), None);
        q.push(&[2; 160], 8000).unwrap();
        assert_eq!(q.mark("b".into()), None);
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
            Some(MarkDone {
                name: "c".into(),
                cleared: false
            })
        );
    }

    #[test]
    fn clear_drops_audio_and_returns_marks() {
        let mut q = PlayoutQueue::new(8000 * 60);
        let mut done = Vec::new();
        let mut out = [0; PACKET_SAMPLES];
        q.push(&[5; 16000], 16000).unwrap();
        q.mark("m".into());
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
        assert!(matches!(
            q.next_frame(&mut out, &mut done),
            OutboundFrame::Audio {
                talk_spurt_start: true
            }
        ));
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
