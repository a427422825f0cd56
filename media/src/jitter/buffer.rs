//! The jitter buffer proper: a ring of 20 ms frame slots indexed by media
//! time, a playout cursor, and the delay control around it.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{DelayEstimator, JitterConfig, JitterStats};

/// Arrivals needed before the delay estimate replaces the initial delay.
const WARM_UP_ARRIVALS: usize = 50;
/// The playout delay used until the estimate has warmed up.
const INITIAL_DELAY_US: i64 = 60_000;
/// How far above target the delay must be before the buffer shrinks.
const SHRINK_HYSTERESIS_US: i64 = 2_000;
/// Two jump candidates whose offsets agree within this are one jump.
const JUMP_AGREEMENT_US: i64 = 100_000;

/// The codec payload of one 20 ms frame as the buffer holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramePayload {
    /// One payload covering the whole 20 ms.
    Whole(Bytes),
    /// Two 10 ms pieces in playout order (from packets of 10, 30 or 50 ms);
    /// a piece that was lost or came too late is `None` and is concealed.
    Split([Option<Bytes>; 2]),
}

impl FramePayload {
    /// Whether every part of the frame is there.
    pub fn is_complete(&self) -> bool {
        match self {
            FramePayload::Whole(_) => true,
            FramePayload::Split(pieces) => pieces.iter().all(Option::is_some),
        }
    }

    /// The bytes of the frame's first part, if it is there.
    pub fn first_bytes(&self) -> Option<&Bytes> {
        match self {
            FramePayload::Whole(payload) => Some(payload),
            FramePayload::Split([first, _]) => first.as_ref(),
        }
    }

    /// Which halves are present, as bits (1: first, 2: second).
    fn present(&self) -> u8 {
        match self {
            FramePayload::Whole(_) => 0b11,
            FramePayload::Split([a, b]) => u8::from(a.is_some()) | (u8::from(b.is_some()) << 1),
        }
    }
}

/// What to play for one 20 ms tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// The frame due now (possibly with a missing 10 ms piece to conceal).
    Frame {
        /// The codec payload of one 20 ms frame.
        payload: FramePayload,
        /// The frame is an RFC 3389 comfort-noise payload.
        comfort_noise: bool,
    },
    /// Two consecutive speech frames to be time-compressed into one tick,
    /// shrinking the delay by a frame.
    Compress {
        /// The frame due now.
        first: FramePayload,
        /// The frame after it.
        second: FramePayload,
    },
    /// No frame is available: play concealment (loss, lateness or expansion).
    Conceal,
    /// Nothing to play: before the stream starts, after a long gap, or in
    /// the silence period a comfort-noise frame opened (RFC 3389: the
    /// sender sends nothing until speech resumes, so no frame is missing).
    Silence,
}

#[derive(Debug, Clone, Default)]
enum SlotState {
    #[default]
    Empty,
    Ready {
        payload: FramePayload,
        comfort_noise: bool,
    },
    /// Played; the bits say which halves were there (see `FramePayload::present`).
    Played(u8),
}

#[derive(Debug, Clone, Default)]
struct Slot {
    unit: i64,
    state: SlotState,
}

#[derive(Debug, Clone, Copy)]
struct Timeline {
    /// The RTP timestamp that maps to media time zero.
    origin: u32,
    /// The highest timestamp seen, extended and relative to `origin`.
    highest: i64,
    /// The frame (in 20 ms units of media time) the next pop plays.
    cursor: i64,
    /// Whether playout has started (the initial delay has been built up).
    playing: bool,
}

impl Timeline {
    /// A timeline whose media time zero is `origin`.
    fn starting_at(origin: u32) -> Timeline {
        Timeline {
            origin,
            highest: 0,
            cursor: 0,
            playing: false,
        }
    }
}

/// What became of a frame or piece offered to the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filed {
    Accepted,
    Late,
    Duplicate,
    Discarded,
}

/// An adaptive jitter buffer for one RTP stream of 20 ms frames.
///
/// `push` files each frame by its RTP timestamp; `pop`, called once per
/// 20 ms, says what to play. The playout delay is measured against the
/// earliest arrival in a sliding window (so sender clock drift is followed)
/// and steered to a target: the configured quantile of the arrival delays,
/// clamped to the configured bounds. It grows at once when a frame is not
/// there yet and the delay is under target (the cursor holds and
/// concealment plays), and it shrinks slowly, one frame after the delay
/// stayed above target for a while, by dropping comfort noise or
/// time-compressing two frames into one.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    clock_rate: i64,
    frame_ticks: i64,
    frame_us: i64,
    epoch: Option<Instant>,
    last_us: i64,
    slots: Vec<Slot>,
    timeline: Option<Timeline>,
    estimator: DelayEstimator,
    stats: JitterStats,
    missing_run: u32,
    /// The last frame due was missing (a loss run is under way).
    in_loss_run: bool,
    pops_above_target: u32,
    jump_candidate: Option<i64>,
    /// The last frame played was comfort noise: the sender is silent.
    in_silence_period: bool,
}

impl JitterBuffer {
    /// A buffer for a stream with `clock_rate` Hz timestamps and 20 ms frames.
    pub fn new(config: JitterConfig, clock_rate: u32) -> JitterBuffer {
        let clock_rate = i64::from(clock_rate.max(1000));
        let frame_us = 20_000;
        let span_us = (config.max_delay + config.jump_threshold).as_micros() as i64;
        let capacity = ((span_us / frame_us) as usize + 16)
            .next_power_of_two()
            .min(4096);
        JitterBuffer {
            estimator: DelayEstimator::new(config.window),
            config,
            clock_rate,
            frame_ticks: clock_rate / 50,
            frame_us,
            epoch: None,
            last_us: 0,
            slots: vec![Slot::default(); capacity],
            timeline: None,
            stats: JitterStats::default(),
            missing_run: 0,
            in_loss_run: false,
            pops_above_target: 0,
            jump_candidate: None,
            in_silence_period: false,
        }
    }

    /// The figures so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Frames waiting to be played.
    pub fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::Ready { .. }))
            .count()
    }

    /// Whether no frame is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the stream's timeline (for a new source): the next frame
    /// starts playout afresh. Statistics and the jitter history are kept.
    pub fn reset(&mut self) {
        self.flush();
        self.timeline = None;
        self.estimator.reset_reference();
        self.jump_candidate = None;
        self.stats.resyncs += 1;
    }

    fn flush(&mut self) {
        self.in_silence_period = false;
        for slot in &mut self.slots {
            if matches!(slot.state, SlotState::Ready { .. }) {
                self.stats.frames_discarded += 1;
            }
            *slot = Slot::default();
        }
    }

    fn micros(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        let us = now.saturating_duration_since(epoch).as_micros() as i64;
        self.last_us = self.last_us.max(us);
        self.last_us
    }

    fn media_us(&self, ticks: i64) -> i64 {
        ticks.saturating_mul(1_000_000) / self.clock_rate
    }

    fn slot_index(&self, unit: i64) -> usize {
        (unit.rem_euclid(self.slots.len() as i64)) as usize
    }

    /// Files one 20 ms frame that arrived at `now` with RTP `timestamp`.
    pub fn push(&mut self, now: Instant, timestamp: u32, payload: Bytes, comfort_noise: bool) {
        let Some(ext) = self.admit(now, timestamp) else {
            return;
        };
        let unit = (ext + self.frame_ticks / 2).div_euclid(self.frame_ticks);
        let outcome = self.file(unit, None, payload, comfort_noise);
        self.count(outcome);
    }

    /// Files the consecutive 10 ms pieces of one packet that arrived at
    /// `now`, the first with RTP `timestamp` (packets of 10, 30 or 50 ms).
    /// Two pieces make one 20 ms frame; the packet counts once in the
    /// statistics.
    pub fn push_pieces(
        &mut self,
        now: Instant,
        timestamp: u32,
        pieces: impl IntoIterator<Item = Bytes>,
    ) {
        let Some(ext) = self.admit(now, timestamp) else {
            return;
        };
        let half = self.frame_ticks / 2;
        let mut outcome = None;
        for (k, piece) in pieces.into_iter().enumerate() {
            let position = (ext + k as i64 * half + half / 2).div_euclid(half);
            let filed = self.file(
                position.div_euclid(2),
                Some(position.rem_euclid(2) as usize),
                piece,
                false,
            );
            outcome = match (outcome, filed) {
                (Some(Filed::Accepted), _) | (_, Filed::Accepted) => Some(Filed::Accepted),
                (Some(first), _) => Some(first),
                (None, filed) => Some(filed),
            };
        }
        if let Some(outcome) = outcome {
            self.count(outcome);
        }
    }

    fn count(&mut self, outcome: Filed) {
        match outcome {
            Filed::Accepted => {}
            Filed::Late => self.stats.frames_late += 1,
            Filed::Duplicate => self.stats.frames_duplicated += 1,
            Filed::Discarded => self.stats.frames_discarded += 1,
        }
    }

    /// Places a packet starting at `timestamp` on the timeline: follows
    /// timestamp jumps and records the arrival in the delay estimate.
    /// Returns its extended timestamp, or `None` when it was dropped (and
    /// counted) as a jump candidate.
    fn admit(&mut self, now: Instant, timestamp: u32) -> Option<i64> {
        let now_us = self.micros(now);
        let mut timeline = *self
            .timeline
            .get_or_insert(Timeline::starting_at(timestamp));
        let raw_highest = timeline.origin.wrapping_add(timeline.highest as u32);
        let mut ext = timeline.highest + i64::from(timestamp.wrapping_sub(raw_highest) as i32);
        let mut offset = now_us - self.media_us(ext);

        if let Some(reference) = self.estimator.reference() {
            let deviation = offset - reference;
            let threshold = self.config.jump_threshold.as_micros() as i64;
            let late_limit = self.max_target_us() + self.frame_us;
            if deviation > late_limit || deviation < -threshold {
                match self.jump_candidate {
                    Some(previous) if (offset - previous).abs() <= JUMP_AGREEMENT_US => {
                        self.flush();
                        self.estimator.reset_reference();
                        self.stats.resyncs += 1;
                        timeline = Timeline::starting_at(timestamp);
                        ext = 0;
                        offset = now_us;
                        self.jump_candidate = None;
                    }
                    _ => {
                        self.jump_candidate = Some(offset);
                        let unit = (ext + self.frame_ticks / 2).div_euclid(self.frame_ticks);
                        if unit < timeline.cursor {
                            self.stats.frames_late += 1;
                        } else {
                            self.stats.frames_discarded += 1;
                        }
                        self.timeline = Some(timeline);
                        return None;
                    }
                }
            } else {
                self.jump_candidate = None;
            }
        }
        self.estimator.record(offset);
        timeline.highest = timeline.highest.max(ext);
        self.timeline = Some(timeline);
        Some(ext)
    }

    /// Files a whole frame (`half` is `None`) or one 10 ms half of frame
    /// `unit`.
    fn file(
        &mut self,
        unit: i64,
        half: Option<usize>,
        payload: Bytes,
        comfort_noise: bool,
    ) -> Filed {
        let Some(mut timeline) = self.timeline else {
            return Filed::Discarded;
        };
        if !timeline.playing && unit < timeline.cursor && timeline.cursor - unit < 4 {
            // A reordered frame from before the first one, during prefetch.
            timeline.cursor = unit;
            self.timeline = Some(timeline);
        }
        let bits = half.map_or(0b11, |h| 1u8 << h);
        let capacity = self.slots.len() as i64;
        let index = self.slot_index(unit);
        let slot = &mut self.slots[index];
        if unit < timeline.cursor {
            return match slot.state {
                SlotState::Played(present) if slot.unit == unit && present & bits == bits => {
                    Filed::Duplicate
                }
                _ => Filed::Late,
            };
        }
        if unit >= timeline.cursor + capacity {
            return Filed::Discarded;
        }
        if let SlotState::Ready { payload: held, .. } = &mut slot.state {
            if slot.unit == unit {
                let free = match (held, half) {
                    (FramePayload::Split(pieces), Some(h)) => {
                        pieces.get_mut(h).filter(|piece| piece.is_none())
                    }
                    _ => None,
                };
                return match free {
                    Some(piece) => {
                        *piece = Some(payload);
                        Filed::Accepted
                    }
                    None => Filed::Duplicate,
                };
            }
            // A frame a ring length older that never played.
            self.stats.frames_discarded += 1;
        }
        let payload = match half {
            None => FramePayload::Whole(payload),
            Some(h) => {
                let mut pieces = [None, None];
                pieces[h & 1] = Some(payload);
                FramePayload::Split(pieces)
            }
        };
        *slot = Slot {
            unit,
            state: SlotState::Ready {
                payload,
                comfort_noise,
            },
        };
        self.stats.frames_received += 1;
        Filed::Accepted
    }

    fn max_target_us(&self) -> i64 {
        (self.config.max_delay.as_micros() as i64 - self.frame_us).max(0)
    }

    /// The target for the delay to the start of the frame's playout, in µs.
    fn target_us(&self) -> i64 {
        let min = (self.config.min_delay.as_micros() as i64 - self.frame_us).max(0);
        let max = self.max_target_us().max(min);
        let mut estimate = self.estimator.quantile(self.config.quantile);
        if self.stats.frames_received < WARM_UP_ARRIVALS as u64 {
            estimate = estimate.max(INITIAL_DELAY_US);
        }
        estimate.clamp(min, max)
    }

    fn take(&mut self, unit: i64) -> Option<(FramePayload, bool)> {
        let index = self.slot_index(unit);
        let slot = &mut self.slots[index];
        if slot.unit != unit {
            return None;
        }
        let present = match &slot.state {
            SlotState::Ready { payload, .. } => payload.present(),
            _ => 0,
        };
        match std::mem::replace(&mut slot.state, SlotState::Played(present)) {
            SlotState::Ready {
                payload,
                comfort_noise,
            } => Some((payload, comfort_noise)),
            other => {
                slot.state = other;
                None
            }
        }
    }

    /// Whether frame `unit` is there whole.
    fn is_ready(&self, unit: i64) -> bool {
        let slot = &self.slots[self.slot_index(unit)];
        slot.unit == unit
            && matches!(&slot.state, SlotState::Ready { payload, .. } if payload.is_complete())
    }

    /// Whether any part of frame `unit` is there.
    fn has_part(&self, unit: i64) -> bool {
        let slot = &self.slots[self.slot_index(unit)];
        slot.unit == unit && matches!(slot.state, SlotState::Ready { .. })
    }

    /// Says what to play for the 20 ms tick at `now`. Call exactly once per tick.
    pub fn pop(&mut self, now: Instant) -> Playout {
        let now_us = self.micros(now);
        let (Some(mut timeline), Some(reference)) = (self.timeline, self.estimator.reference())
        else {
            return Playout::Silence;
        };
        let target = self.target_us();
        let delay = now_us - reference - timeline.cursor * self.frame_us;
        self.stats.target_delay = Duration::from_micros((target + self.frame_us) as u64);
        self.stats.current_delay = Duration::from_micros((delay + self.frame_us).max(0) as u64);

        if !timeline.playing {
            if delay < target {
                return Playout::Silence;
            }
            if !self.has_part(timeline.cursor) {
                let Some(next) = self.skip_target(&timeline, delay, target) else {
                    return Playout::Silence;
                };
                timeline.cursor = next;
            }
            timeline.playing = true;
        }

        let out = if self.is_ready(timeline.cursor) {
            self.play_ready(&mut timeline, delay, target)
        } else if self.in_silence_period && !self.has_part(timeline.cursor) {
            timeline.cursor += 1;
            Playout::Silence
        } else if delay < target {
            self.pops_above_target = 0;
            self.stats.expand_events += 1;
            self.conceal()
        } else if self.has_part(timeline.cursor) {
            // Half of the frame is lost or late: play the half that is here.
            self.play_ready(&mut timeline, delay, target)
        } else if let Some(next) = self.skip_target(&timeline, delay, target) {
            let skipped = next - timeline.cursor;
            self.stats.frames_skipped += skipped as u64;
            timeline.cursor = next;
            self.play_ready(&mut timeline, delay - skipped * self.frame_us, target)
        } else {
            self.pops_above_target = 0;
            self.stats.frames_missing += 1;
            if !self.in_loss_run {
                self.in_loss_run = true;
                self.stats.loss_events += 1;
            }
            timeline.cursor += 1;
            self.conceal()
        };
        self.timeline = Some(timeline);
        out
    }

    /// Drops the frames whose playout time passed while the driver could
    /// not pop (a stall longer than it catches up on): the cursor moves on
    /// until the delay is back at target, and the frames passed over count
    /// as discarded.
    pub fn drop_backlog(&mut self, now: Instant) {
        let now_us = self.micros(now);
        let (Some(mut timeline), Some(reference)) = (self.timeline, self.estimator.reference())
        else {
            return;
        };
        if !timeline.playing {
            return;
        }
        let delay = now_us - reference - timeline.cursor * self.frame_us;
        let excess = (delay - self.target_us()) / self.frame_us;
        if excess <= 0 {
            return;
        }
        let end = timeline.cursor + excess;
        for unit in timeline.cursor..end.min(timeline.cursor + self.slots.len() as i64) {
            if self.take(unit).is_some() {
                self.stats.frames_discarded += 1;
            }
        }
        timeline.cursor = end;
        self.timeline = Some(timeline);
        self.pops_above_target = 0;
        self.missing_run = 0;
    }

    /// The next ready frame the cursor may jump to while staying at or
    /// above target (a forward gap in the sender's timestamps).
    fn skip_target(&self, timeline: &Timeline, delay: i64, target: i64) -> Option<i64> {
        let reach = (delay - target) / self.frame_us;
        (timeline.cursor + 1..=timeline.cursor + reach.min(self.slots.len() as i64 - 1))
            .find(|&unit| self.has_part(unit))
    }

    fn play_ready(&mut self, timeline: &mut Timeline, delay: i64, target: i64) -> Playout {
        self.missing_run = 0;
        self.in_loss_run = false;
        if delay - self.frame_us >= target + SHRINK_HYSTERESIS_US {
            self.pops_above_target += 1;
        } else {
            self.pops_above_target = 0;
        }
        let cursor = timeline.cursor;
        let Some((first, first_cn)) = self.take(cursor) else {
            return Playout::Silence;
        };
        timeline.cursor += 1;
        self.stats.frames_played += 1;
        let missing_halves = 2 - first.present().count_ones();
        if missing_halves > 0 {
            self.stats.concealed_samples += u64::from(missing_halves) * self.frame_ticks as u64 / 2;
        }
        if self.pops_above_target >= self.config.shrink_after_pops.max(1)
            && first.is_complete()
            && self.is_ready(cursor + 1)
        {
            if let Some((second, second_cn)) = self.take(cursor + 1) {
                self.pops_above_target = 0;
                timeline.cursor += 1;
                self.stats.frames_played += 1;
                self.stats.accelerate_events += 1;
                self.in_silence_period = second_cn;
                return match (first_cn, second_cn) {
                    (true, _) => Playout::Frame {
                        payload: second,
                        comfort_noise: second_cn,
                    },
                    (false, true) => Playout::Frame {
                        payload: first,
                        comfort_noise: false,
                    },
                    (false, false) => Playout::Compress { first, second },
                };
            }
        }
        self.in_silence_period = first_cn;
        Playout::Frame {
            payload: first,
            comfort_noise: first_cn,
        }
    }

    fn conceal(&mut self) -> Playout {
        self.missing_run = self.missing_run.saturating_add(1);
        if self.missing_run > self.config.max_concealed_frames {
            return Playout::Silence;
        }
        if self.missing_run == 1 {
            self.stats.concealment_events += 1;
        }
        self.stats.concealed_samples += self.frame_ticks as u64;
        Playout::Conceal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(k: u8) -> Bytes {
        Bytes::from(vec![k; 80])
    }

    #[test]
    fn ten_ms_pieces_pair_up_and_a_missing_half_is_concealed_alone() {
        let start = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default(), 8000);
        let at = |ms: u64| start + Duration::from_millis(ms);
        // 10 ms packets 5 ms after they were sent; piece 3 is lost, piece 5
        // comes before piece 4, and piece 2 comes twice.
        let mut arrivals = vec![
            (5, 0u8),
            (15, 1),
            (25, 2),
            (52, 5),
            (53, 4),
            (65, 6),
            (75, 7),
        ];
        arrivals.push((80, 2));
        let mut played = Vec::new();
        let mut next = arrivals.into_iter().peekable();
        for tick in 0..20u64 {
            while let Some((ms, k)) = next.next_if(|(ms, _)| *ms <= tick * 20) {
                jb.push_pieces(at(ms), u32::from(k) * 80, [piece(k)]);
            }
            match jb.pop(at(tick * 20)) {
                Playout::Frame { payload, .. } => played.push(payload),
                Playout::Silence => assert!(played.is_empty(), "silence in the stream"),
                other => panic!("{other:?} at tick {tick}"),
            }
            if played.len() == 4 {
                break;
            }
        }
        assert_eq!(jb.stats().frames_duplicated, 1);
        assert_eq!(jb.stats().frames_received, 4);
        let split =
            |a: Option<u8>, b: Option<u8>| FramePayload::Split([a.map(piece), b.map(piece)]);
        assert_eq!(
            played,
            vec![
                split(Some(0), Some(1)),
                split(Some(2), None),
                split(Some(4), Some(5)),
                split(Some(6), Some(7)),
            ]
        );
        assert_eq!(jb.stats().concealed_samples, 80);
        assert_eq!(jb.stats().frames_played, 4);
    }
}
