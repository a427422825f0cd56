//! G.729 Annex B receive side and frame erasures: SID frames from bcg729's
//! VAD/DTX encoder give comfort noise at a level close to bcg729's own,
//! untransmitted frames continue it, and erasure patterns never break the
//! decoder.
//!
//! bcg729 has no call for an untransmitted frame: it is given an erased
//! frame instead, which it fades out over a few hundred milliseconds, while
//! our decoder keeps the comfort noise going as Annex B does. So levels are
//! compared on the first SID frame after speech, where both start afresh,
//! and our comfort noise is also checked against the level of the input.

use codecs::g729::{G729Decoder, G729Encoder};
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// Bursts of a sweep separated by two seconds of quiet noise (about -40 dBFS).
fn bursts_and_quiet() -> Vec<i16> {
    let quiet: Vec<i16> = signals::white_noise(16000, 99)
        .iter()
        .map(|&v| v / 64)
        .collect();
    let mut pcm = Vec::new();
    for _ in 0..3 {
        pcm.extend_from_slice(&signals::sweep(8000));
        pcm.extend_from_slice(&quiet);
    }
    pcm
}

#[test]
fn comfort_noise_level_follows_bcg729() {
    let Some(lib) = Bcg729::load() else { return };
    let pcm = bursts_and_quiet();
    let mut enc = lib.encoder(true);
    let mut theirs = lib.decoder();
    let mut ours = G729Decoder::new();
    let (mut sid, mut untransmitted) = (0, 0);
    let mut noise_blocks = Vec::new();
    let mut after_speech = false;
    for chunk in pcm.chunks_exact(80) {
        let bits = enc.encode(chunk.try_into().unwrap());
        let (t, o) = match bits.len() {
            10 => (
                theirs.decode(&bits, false, false),
                ours.decode_frame(&bits.clone().try_into().unwrap()),
            ),
            2 => {
                sid += 1;
                (theirs.decode(&bits, false, true), ours.decode_sid(&bits))
            }
            _ => {
                untransmitted += 1;
                (theirs.decode(&[], true, false), ours.decode_untransmitted())
            }
        };
        if bits.len() == 2 && after_speech {
            noise_blocks.push((rms(&t), rms(&o)));
        }
        after_speech = bits.len() == 10;
    }
    println!("{sid} SID frames, {untransmitted} untransmitted frames");
    assert!(
        sid > 0 && untransmitted > 0,
        "bcg729's DTX produced no comfort-noise frames"
    );
    let theirs_level: f64 =
        noise_blocks.iter().map(|b| b.0).sum::<f64>() / noise_blocks.len() as f64;
    let ours_level: f64 = noise_blocks.iter().map(|b| b.1).sum::<f64>() / noise_blocks.len() as f64;
    let ratio_db = 20.0 * (ours_level / theirs_level).log10();
    println!(
        "comfort noise RMS: bcg729 {theirs_level:.0}, ours {ours_level:.0} ({ratio_db:+.1} dB)"
    );
    assert!(
        ratio_db.abs() < 4.0,
        "comfort noise {ratio_db:+.1} dB off bcg729's"
    );
    let mut dec = G729Decoder::new();
    let mut enc = lib.encoder(true);
    let mut ours_noise = Vec::new();
    for chunk in pcm.chunks_exact(80) {
        let bits = enc.encode(chunk.try_into().unwrap());
        match bits.len() {
            10 => drop(dec.decode_frame(&bits.clone().try_into().unwrap())),
            2 => ours_noise.extend_from_slice(&dec.decode_sid(&bits)),
            _ => ours_noise.extend_from_slice(&dec.decode_untransmitted()),
        }
    }
    let input_db = 20.0 * (rms(&pcm[8000..24000]) / rms(&ours_noise)).log10();
    println!("input noise is {input_db:+.1} dB against our comfort noise over all DTX frames");
    assert!(input_db.abs() < 6.0);
}

#[test]
fn lost_frames_after_a_sid_continue_comfort_noise() {
    let mut dec = G729Decoder::new();
    let first = dec.decode_sid(&[0x12, 0x34]);
    let later: Vec<i16> = (0..50).flat_map(|_| dec.conceal()).collect();
    let level = rms(&later);
    assert!(
        rms(&first) > 0.0 && level > 0.0,
        "comfort noise went silent"
    );
    assert!(level < 4000.0, "comfort noise level {level}");
}

#[test]
fn erasure_patterns_stay_bounded_and_fade() {
    let pcm = signals::sweep(8000 * 3);
    let mut enc = G729Encoder::new();
    let bits: Vec<[u8; 10]> = pcm
        .chunks_exact(80)
        .map(|c| enc.encode_frame(c.try_into().unwrap()))
        .collect();
    let clean_peak = {
        let mut dec = G729Decoder::new();
        bits.iter()
            .flat_map(|f| dec.decode_frame(f))
            .map(|v| f64::from(v).abs())
            .fold(0.0, f64::max)
    };
    for pattern in [1usize, 2, 3, 5, 10] {
        let mut dec = G729Decoder::new();
        let mut loudest: f64 = 0.0;
        for (i, f) in bits.iter().enumerate() {
            let out = if i % pattern == 0 {
                dec.conceal()
            } else {
                dec.decode_frame(f)
            };
            loudest = loudest.max(rms(&out));
        }
        println!(
            "one frame lost in {pattern}: loudest 10 ms RMS {loudest:.0}, clean peak {clean_peak:.0}"
        );
        assert!(
            loudest <= clean_peak,
            "losing one frame in {pattern}: a 10 ms block of RMS {loudest:.0} is louder than the clean decode's peak {clean_peak:.0}"
        );
        if pattern == 1 {
            assert!(
                loudest < 1.0,
                "a decoder that never got a frame made sound (RMS {loudest:.0})"
            );
        }
    }
    let mut dec = G729Decoder::new();
    for f in &bits[..100] {
        dec.decode_frame(f);
    }
    let burst: Vec<[i16; 80]> = (0..100).map(|_| dec.conceal()).collect();
    let start = rms(&burst[0]);
    let end = rms(&burst[99]);
    println!("100 lost frames after a sweep: RMS {start:.0} at the start, {end:.0} at the end");
    assert!(
        end < start / 4.0 + 1.0,
        "concealment does not fade: {start} -> {end}"
    );
}

/// A SID frame longer than 2 bytes is read from its first 2 bytes, and one
/// shorter than 2 bytes is a lost frame: from the same decoder state they
/// give the same samples as the 2-byte frame and as `conceal`.
#[test]
fn sid_frames_of_odd_lengths_are_handled() {
    let pcm = signals::sweep(8000);
    let mut enc = G729Encoder::new();
    let mut dec = G729Decoder::new();
    for c in pcm.chunks_exact(80) {
        dec.decode_frame(&enc.encode_frame(c.try_into().unwrap()));
    }
    for state in [dec.clone(), G729Decoder::new()] {
        for sid in [[0xff, 0xff], [1, 2], [0x12, 0x34]] {
            let two = state.clone().decode_sid(&sid);
            let three = state.clone().decode_sid(&[sid[0], sid[1], 3]);
            assert_eq!(
                two, three,
                "SID {sid:02x?} read differently with a third byte"
            );
            assert!(rms(&two) > 0.0, "SID {sid:02x?} gave silence");
        }
        for short in [&[][..], &[0xff][..]] {
            assert_eq!(
                state.clone().decode_sid(short),
                state.clone().conceal(),
                "a {}-byte SID frame is not treated as a lost frame",
                short.len()
            );
        }
    }
}
