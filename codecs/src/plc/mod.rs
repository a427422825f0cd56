//! Packet loss concealment for 8 kHz PCM, independent of the codec.
//!
//! The method follows the description of ITU-T G.711 Appendix I:
//!
//! * **History.** The last 45 ms of output are kept.
//! * **Pitch.** When a loss starts, the pitch period (5 to 15 ms) is the lag
//!   at which the last 20 ms of history best match the signal before them
//!   (normalised cross-correlation).
//! * **Repetition.** The lost audio is the last pitch period played over and
//!   over. After 10 ms of loss the last two periods are cycled, after 20 ms
//!   the last three, so that a long loss does not buzz; each change
//!   cross-fades (overlap-add, a quarter period long) from the old cycle into
//!   the new one at the same point of the waveform.
//! * **Splice.** Appendix I delays all output by 3.75 ms so that it can
//!   overlap-add the end of the real signal with the start of the cycle.
//!   Trunkline does not add that delay: the start of the cycle is instead
//!   overlap-added with a copy of itself offset by the distance between the
//!   last real sample and the sample one cycle before it, the offset copy
//!   weighted fully at the join and not at all a quarter period later. The
//!   first concealed sample then follows the last real one with the signal's
//!   own step, and so does every wrap of the cycle onto itself.
//! * **Fading.** The first 10 ms of a loss are played at full level, then the
//!   level falls linearly by 20 % per 10 ms: after 60 ms the output is exact
//!   silence.
//! * **Recovery.** The first good frame after a loss is overlap-added with
//!   the continuing concealment: a quarter period for a 10 ms loss, 4 ms
//!   longer for each further 10 ms lost, at most 10 ms.
//!
//! Frames may be any length (10 ms G.729 frames and 20 ms packets mix
//! freely): everything is counted in samples.

mod pitch;

use crate::fixed_point::round_to_i16;
use pitch::{PITCH_MAX, PITCH_MIN};

/// Samples of output history kept: three of the longest pitch periods and
/// the sample before them (the join offsets reach back three periods from
/// the last sample).
const HISTORY: usize = 3 * PITCH_MAX + 1;
/// Samples per 10 ms at 8 kHz.
const TEN_MS: usize = 80;
/// Samples of loss played at full level.
const FULL_LEVEL: usize = TEN_MS;
/// Samples over which the level then falls to silence (50 ms).
const FADE: usize = 5 * TEN_MS;

const _: () = assert!(HISTORY >= pitch::NEEDED);

/// Loss concealment state for one decoded stream at 8 kHz.
///
/// Feed every decoded frame to [`Plc::good_frame`] and ask
/// [`Plc::conceal`] for a frame whenever one is missing.
///
/// ```
/// use codecs::Plc;
/// let mut plc = Plc::new();
/// let mut frame = [0i16; 160];
/// plc.good_frame(&mut frame);   // a decoded packet
/// plc.conceal(&mut frame);      // the next packet was lost
/// ```
#[derive(Clone, Debug)]
pub struct Plc {
    /// The most recent output, oldest first.
    history: [i16; HISTORY],
    state: State,
}

/// Whether the stream is playing, concealing, or joining back after a loss.
#[derive(Clone, Debug)]
enum State {
    Playing,
    Concealing(Loss),
    /// Overlap-adding good audio with the continuing concealment:
    /// `done` of `total` samples so far.
    Recovering {
        loss: Loss,
        done: usize,
        total: usize,
    },
}

/// The state of one run of consecutive lost samples.
#[derive(Clone, Debug)]
struct Loss {
    /// The history when the loss began; the periods are read from its end.
    source: [i16; HISTORY],
    period: usize,
    /// How many periods at the end of `source` are being cycled (1 to 3).
    periods: usize,
    /// Read position within those periods.
    position: usize,
    /// The previous cycle while cross-fading into a longer one:
    /// (periods, position, samples of the cross-fade done).
    fading_from: Option<(usize, usize, usize)>,
    /// For cycles of 1, 2 and 3 periods: how far the last real sample is
    /// from the sample one cycle before it. Added to the start of the cycle,
    /// fading out over a quarter period, it joins the cycle onto the real
    /// signal and onto itself at every wrap.
    join_offsets: [f32; 3],
    /// Samples concealed so far.
    elapsed: usize,
}

impl Loss {
    fn new(history: &[i16; HISTORY]) -> Loss {
        let period = pitch::detect(history).clamp(PITCH_MIN, PITCH_MAX);
        let last = f32::from(history[HISTORY - 1]);
        let join_offsets =
            [1, 2, 3].map(|periods| last - f32::from(history[HISTORY - 1 - periods * period]));
        Loss {
            source: *history,
            period,
            periods: 1,
            position: 0,
            fading_from: None,
            join_offsets,
            elapsed: 0,
        }
    }

    fn overlap(&self) -> usize {
        self.period / 4
    }

    /// Reads the sample at `position` of a cycle of `periods` periods and
    /// returns it with the next position.
    fn read(&self, periods: usize, position: usize) -> (f32, usize) {
        let length = periods * self.period;
        let mut sample = f32::from(self.source[HISTORY - length + position]);
        let overlap = self.overlap();
        if position < overlap {
            sample += self.join_offsets[periods - 1] * (overlap - position) as f32 / overlap as f32;
        }
        let next = if position + 1 == length {
            0
        } else {
            position + 1
        };
        (sample, next)
    }

    /// The next concealment sample, before rounding.
    fn next(&mut self) -> f32 {
        if self.elapsed >= FULL_LEVEL + FADE {
            self.elapsed = self.elapsed.saturating_add(1);
            return 0.0;
        }
        if self.elapsed > 0 && self.elapsed % TEN_MS == 0 && self.periods < 3 {
            // Same point of the waveform, one period further back.
            self.fading_from = Some((self.periods, self.position, 0));
            self.periods += 1;
        }
        let overlap = self.overlap();
        let (mut value, next) = self.read(self.periods, self.position);
        self.position = next;
        if let Some((periods, position, done)) = self.fading_from {
            let (old, next) = self.read(periods, position);
            let w = (done + 1) as f32 / (overlap + 1) as f32;
            value = old * (1.0 - w) + value * w;
            self.fading_from = (done + 1 < overlap).then_some((periods, next, done + 1));
        }
        let gain = if self.elapsed < FULL_LEVEL {
            1.0
        } else {
            1.0 - (self.elapsed - FULL_LEVEL) as f32 / FADE as f32
        };
        self.elapsed += 1;
        value * gain
    }

    /// Samples of the first good frame to overlap-add with the concealment.
    fn recovery_overlap(&self) -> usize {
        let tens_lost = self.elapsed.div_ceil(TEN_MS).max(1);
        (self.overlap() + 32 * (tens_lost - 1)).min(TEN_MS)
    }
}

impl Plc {
    /// A concealer with silent history.
    pub fn new() -> Plc {
        Plc {
            history: [0; HISTORY],
            state: State::Playing,
        }
    }

    /// Records a correctly received frame. After a loss its start is
    /// overlap-added in place with the continuing concealment (spanning
    /// further frames when this one is shorter than the overlap), so that
    /// playback joins without a click.
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        let state = std::mem::replace(&mut self.state, State::Playing);
        let (mut loss, mut done, total) = match state {
            State::Playing => {
                self.remember(frame);
                return;
            }
            State::Concealing(loss) => {
                let total = loss.recovery_overlap();
                (loss, 0, total)
            }
            State::Recovering { loss, done, total } => (loss, done, total),
        };
        for sample in frame.iter_mut().take(total - done) {
            done += 1;
            let w = done as f32 / (total + 1) as f32;
            *sample = round_to_i16(loss.next() * (1.0 - w) + f32::from(*sample) * w);
        }
        if done < total {
            self.state = State::Recovering { loss, done, total };
        }
        self.remember(frame);
    }

    /// Fills `out` with concealment for lost audio, continuing from the last
    /// good or concealed sample. After 60 ms of consecutive loss it is silence.
    pub fn conceal(&mut self, out: &mut [i16]) {
        if !matches!(self.state, State::Concealing(_)) {
            self.state = State::Concealing(Loss::new(&self.history));
        }
        if let State::Concealing(loss) = &mut self.state {
            for sample in out.iter_mut() {
                *sample = round_to_i16(loss.next());
            }
        }
        self.remember(out);
    }

    fn remember(&mut self, samples: &[i16]) {
        let keep = HISTORY.saturating_sub(samples.len());
        self.history.copy_within(HISTORY - keep.., 0);
        let newest = &samples[samples.len() - (HISTORY - keep)..];
        self.history[keep..].copy_from_slice(newest);
    }
}

impl Default for Plc {
    fn default() -> Plc {
        Plc::new()
    }
}
