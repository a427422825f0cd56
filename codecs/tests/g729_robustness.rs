//! Arbitrary bytes, SID frames and erasure flags never panic the G.729
//! decoder, and arbitrary PCM never panics the encoder.

use codecs::g729::{G729Decoder, G729Encoder};
use proptest::prelude::*;
use test_oracles::signals;

#[derive(Debug, Clone)]
enum Event {
    Frame([u8; 10]),
    Sid([u8; 2]),
    Lost,
    Untransmitted,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => any::<[u8; 10]>().prop_map(Event::Frame),
        1 => any::<[u8; 2]>().prop_map(Event::Sid),
        1 => Just(Event::Lost),
        1 => Just(Event::Untransmitted),
    ]
}

fn decode(dec: &mut G729Decoder, e: &Event) -> [i16; 80] {
    match e {
        Event::Frame(f) => dec.decode_frame(f),
        Event::Sid(s) => dec.decode_sid(s),
        Event::Lost => dec.conceal(),
        Event::Untransmitted => dec.decode_untransmitted(),
    }
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// The sweep's bitstream, `n` frames of it.
fn sweep_bits(n: usize) -> Vec<[u8; 10]> {
    let mut enc = G729Encoder::new();
    signals::sweep(80 * n)
        .chunks_exact(80)
        .map(|c| enc.encode_frame(c.try_into().unwrap()))
        .collect()
}

/// The parity bit of a frame (bit 26) against the lag index P1 (bits 18
/// to 25): odd parity over the six most significant bits of P1 (ITU-T G.729 3.7.2).
fn parity_holds(frame: &[u8; 10]) -> bool {
    let bits = u128::from_be_bytes({
        let mut b = [0u8; 16];
        b[..10].copy_from_slice(frame);
        b
    });
    let p1 = (bits >> (128 - 26)) & 0xff;
    let p0 = (bits >> (128 - 27)) & 1;
    ((p1 >> 2) & 0x3f).count_ones() as u128 % 2 != p0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any sequence decodes the same way twice (no hidden or uninitialised
    /// state), and afterwards the decoder recovers: on a clean bitstream it
    /// ends within 20 dB SNR of a fresh decoder's output.
    #[test]
    fn decoder_survives_any_sequence(events in prop::collection::vec(event(), 1..60)) {
        let (mut first, mut second) = (G729Decoder::new(), G729Decoder::new());
        for e in &events {
            prop_assert_eq!(decode(&mut first, e), decode(&mut second, e));
        }
        let bits = sweep_bits(100);
        let mut fresh = G729Decoder::new();
        let tail = |dec: &mut G729Decoder| -> Vec<i16> {
            bits.iter().map(|f| dec.decode_frame(f)).skip(80).flatten().collect()
        };
        let (recovered, reference) = (tail(&mut first), tail(&mut fresh));
        let snr = signals::snr_db(&reference, &recovered);
        prop_assert!(snr >= 20.0, "after {:?} the decoder is {:.1} dB from a fresh one", events, snr);
    }

    /// Any PCM encodes the same way twice, and every frame's parity bit
    /// matches its lag index (so no decoder takes it for a damaged frame).
    #[test]
    fn encoder_survives_any_pcm(pcm in prop::collection::vec(any::<i16>(), 80 * 8)) {
        let (mut first, mut second) = (G729Encoder::new(), G729Encoder::new());
        for chunk in pcm.chunks_exact(80) {
            let frame: &[i16; 80] = chunk.try_into().unwrap();
            let bits = first.encode_frame(frame);
            prop_assert_eq!(bits, second.encode_frame(frame));
            prop_assert!(parity_holds(&bits), "parity bit wrong in {:02x?}", bits);
        }
    }
}

/// Silence and full-scale constant input code to near silence (the
/// high-pass filter removes DC), a full-scale square wave keeps its level
/// within 10 dB, and after 256 frames of garbage the decoder recovers on a
/// clean bitstream.
#[test]
fn extreme_inputs_round_trip_without_panic() {
    for value in [0, i16::MIN, i16::MAX, -1] {
        let (mut enc, mut dec) = (G729Encoder::new(), G729Decoder::new());
        let out: Vec<i16> = (0..40)
            .flat_map(|_| dec.decode_frame(&enc.encode_frame(&[value; 80])))
            .collect();
        let settled = rms(&out[80 * 20..]);
        println!("constant {value}: RMS after 200 ms {settled:.0}");
        assert!(
            settled < 300.0,
            "constant {value} decodes to RMS {settled:.0}"
        );
    }
    let (mut enc, mut dec) = (G729Encoder::new(), G729Decoder::new());
    let (mut input, mut output) = (Vec::new(), Vec::new());
    for k in 0..400 {
        let square: [i16; 80] =
            std::array::from_fn(|i| if (i + k) % 16 < 8 { i16::MAX } else { i16::MIN });
        input.extend_from_slice(&square);
        output.extend_from_slice(&dec.decode_frame(&enc.encode_frame(&square)));
    }
    let level_db = 20.0 * (rms(&output[8000..]) / rms(&input[8000..])).log10();
    println!("full-scale square wave: decoded level {level_db:+.1} dB against the input");
    assert!(level_db.abs() < 10.0, "square wave level {level_db:+.1} dB");

    let bits = sweep_bits(100);
    let mut garbage = G729Decoder::new();
    for b in 0..=255u8 {
        garbage.decode_frame(&[b; 10]);
    }
    let mut fresh = G729Decoder::new();
    let tail = |dec: &mut G729Decoder| -> Vec<i16> {
        bits.iter()
            .map(|f| dec.decode_frame(f))
            .skip(80)
            .flatten()
            .collect()
    };
    let snr = signals::snr_db(&tail(&mut fresh), &tail(&mut garbage));
    println!("after 256 garbage frames: {snr:.1} dB SNR against a fresh decoder");
    assert!(snr >= 20.0, "no recovery after garbage frames: {snr:.1} dB");
}
