//! Property tests of loss concealment on random PCM, random frame lengths
//! and random loss patterns, with periodic input at every pitch period the
//! concealer searches (5 to 15 ms, 40 to 120 samples, the bounds included):
//! nothing panics, good audio far enough from a loss passes unchanged,
//! concealment is never more than three times as loud as the audio it
//! continues (a repeated sample plus at most the signal's last step, which
//! the splice adds to keep the waveform continuous), and 60 ms
//! into a loss it is exact silence.

use codecs::Plc;
use proptest::prelude::*;

/// Samples after the end of a loss that the recovery overlap-add may change
/// (at most 10 ms).
const RECOVERY: usize = 80;
/// Samples of consecutive loss after which concealment is silence (60 ms).
const SILENT_AFTER: usize = 480;

/// One stretch of the stream: its length and whether it is lost.
#[derive(Debug, Clone)]
struct Stretch {
    len: usize,
    lost: bool,
}

fn stretch() -> impl Strategy<Value = Stretch> {
    (
        prop_oneof![Just(80usize), Just(160), Just(240), 1usize..400],
        prop::bool::weighted(0.3),
    )
        .prop_map(|(len, lost)| Stretch { len, lost })
}

/// A period of random samples repeated (a periodic, voiced-like signal),
/// with the period at a bound of the pitch search half of the time.
fn periodic() -> impl Strategy<Value = Vec<i16>> {
    (
        prop_oneof![Just(120usize), Just(40), Just(119), 40usize..=120],
        prop::collection::vec(any::<i16>(), 120),
    )
        .prop_map(|(period, cycle)| (0..4000).map(|i| cycle[i % period]).collect())
}

/// Periodic or noise input, scaled to a random peak so that the level
/// bound below is not hidden by full-scale clipping.
fn input() -> impl Strategy<Value = Vec<i16>> {
    (
        prop_oneof![periodic(), prop::collection::vec(any::<i16>(), 4000)],
        prop_oneof![Just(32767i32), 1i32..32767],
    )
        .prop_map(|(pcm, peak)| {
            pcm.iter()
                .map(|&v| (i32::from(v) * peak / 32768) as i16)
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn concealment_holds_its_properties(
        pcm in input(),
        stretches in prop::collection::vec(stretch(), 1..40),
    ) {
        let mut plc = Plc::new();
        let mut twin = Plc::new();
        let mut pos = 0;
        // Samples since the last lost one (None before any loss) and the
        // length of the current run of loss.
        let mut since_loss: Option<usize> = None;
        let mut lost_run = 0;
        let mut loudest_heard: i32 = 0;
        for s in &stretches {
            let end = (pos + s.len).min(pcm.len());
            if end == pos {
                break;
            }
            let original = &pcm[pos..end];
            let mut frame = original.to_vec();
            let mut copy = vec![0x5a5a; frame.len()];
            if s.lost {
                plc.conceal(&mut frame);
                twin.conceal(&mut copy);
                prop_assert_eq!(&frame, &copy, "concealment is not a function of the history");
                for (i, &v) in frame.iter().enumerate() {
                    prop_assert!(
                        i32::from(v).abs() <= 3 * loudest_heard,
                        "concealed sample {} is more than three times as loud as anything played before ({})", v, loudest_heard
                    );
                    if lost_run + i >= SILENT_AFTER {
                        prop_assert_eq!(v, 0, "not silent {} samples into a loss", lost_run + i);
                    }
                }
                lost_run += frame.len();
                since_loss = Some(0);
            } else {
                copy.copy_from_slice(&frame);
                plc.good_frame(&mut frame);
                twin.good_frame(&mut copy);
                prop_assert_eq!(&frame, &copy);
                for (i, (&out, &inp)) in frame.iter().zip(original).enumerate() {
                    if since_loss.is_none_or(|n| n + i >= RECOVERY) {
                        prop_assert_eq!(out, inp, "good audio changed {:?} samples after the last loss", since_loss.map(|n| n + i));
                    }
                }
                lost_run = 0;
                since_loss = since_loss.map(|n| n + frame.len());
            }
            loudest_heard = frame.iter().fold(loudest_heard, |m, &v| m.max(i32::from(v).abs()));
            pos = end;
        }
    }
}
