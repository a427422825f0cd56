//! GSM 06.10 against libgsm, frame after frame with state carried, on
//! every test signal: encoder bytes, decoder PCM on the same frames, and
//! our decoder on libgsm's frames.

use codecs::gsm::{FRAME_SAMPLES, GsmDecoder, GsmEncoder};
use test_oracles::libgsm::Libgsm;
use test_oracles::signals;

/// Eight seconds of each synthetic signal.
const SECONDS: usize = 8;

fn frames(signal: &[i16]) -> impl Iterator<Item = &[i16; FRAME_SAMPLES]> {
    signal
        .chunks_exact(FRAME_SAMPLES)
        .filter_map(|c| c.try_into().ok())
}

/// Runs both codecs over `signal` and returns how many frames were compared.
fn compare(libgsm: &Libgsm, name: &str, signal: &[i16]) -> usize {
    let (mut ours_enc, mut ref_enc) = (GsmEncoder::new(), libgsm.encoder());
    let (mut ours_dec, mut ref_dec) = (GsmDecoder::new(), libgsm.decoder());
    let mut ours_on_ref = GsmDecoder::new();
    let mut count = 0;
    for (i, pcm) in frames(signal).enumerate() {
        let ours = ours_enc.encode_frame(pcm);
        let reference = ref_enc.encode(pcm);
        assert_eq!(ours, reference, "{name}: encoder differs at frame {i}");

        let ours_pcm = ours_dec.decode_frame(&ours).expect("our frame decodes");
        let ref_pcm = ref_dec.decode(&reference).expect("libgsm frame decodes");
        assert_eq!(ours_pcm, ref_pcm, "{name}: decoder differs at frame {i}");

        let cross = ours_on_ref
            .decode_frame(&reference)
            .expect("libgsm frame decodes");
        assert_eq!(
            cross, ref_pcm,
            "{name}: our decoder on libgsm's frame {i} differs"
        );
        count += 1;
    }
    count
}

#[test]
fn bit_exact_with_libgsm_on_synthetic_signals() {
    let Some(libgsm) = Libgsm::load() else { return };
    for (name, signal) in signals::synthetic(SECONDS * signals::RATE as usize) {
        let n = compare(&libgsm, name, &signal);
        assert_eq!(n, SECONDS * 50);
        println!("{name}: {n} frames bit-exact (encoder and decoder)");
    }
}

#[test]
fn bit_exact_with_libgsm_on_speech() {
    let Some(libgsm) = Libgsm::load() else { return };
    let Some(speech) = signals::speech() else {
        return;
    };
    let n = compare(&libgsm, "speech", &speech);
    assert!(n >= 100, "speech gave only {n} frames");
    println!("speech: {n} frames bit-exact (encoder and decoder)");
}

/// Frames of varied character from a fixed xorshift seed: noise at every
/// level from 1 bit to full scale, DC steps, lone impulses, Nyquist-rate
/// full-scale alternation and tones, so rarely taken branches (saturation,
/// the smallest and largest block maxima, out-of-range lags) are reached.
fn varied(frames: usize) -> Vec<i16> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(frames * FRAME_SAMPLES);
    for f in 0..frames {
        let kind = next() % 6;
        let level = (next() % 16) as u32;
        let dc = (next() as i16) >> (next() % 16);
        for k in 0..FRAME_SAMPLES {
            let noise = ((next() >> 48) as i16) >> (15 - level.min(15));
            let x = match kind {
                0 => noise,
                1 => dc.saturating_add(noise),
                2 => {
                    if k == (f * 37) % FRAME_SAMPLES {
                        i16::MAX
                    } else {
                        0
                    }
                }
                3 => {
                    if k % 2 == 0 {
                        i16::MAX
                    } else {
                        i16::MIN
                    }
                }
                4 => ((k as f64 * 0.3 * (level + 1) as f64).sin() * 32767.0) as i16,
                _ => (noise as i32 * 4).clamp(-32768, 32767) as i16,
            };
            out.push(x);
        }
    }
    out
}

#[test]
fn bit_exact_with_libgsm_on_varied_frames() {
    let Some(libgsm) = Libgsm::load() else { return };
    let n = compare(&libgsm, "varied", &varied(3000));
    assert_eq!(n, 3000);
    println!("varied: {n} frames bit-exact (encoder and decoder)");
}

#[test]
fn decoded_speech_and_sweep_resemble_the_input() {
    // Equality with libgsm would also hold for two equally broken codecs:
    // check the codec actually carries the signal.
    let sweep = signals::sweep(4 * signals::RATE as usize);
    let mut signals_to_check = vec![("sweep", sweep)];
    if let Some(speech) = signals::speech() {
        signals_to_check.push(("speech", speech));
    }
    for (name, signal) in signals_to_check {
        let (mut enc, mut dec) = (GsmEncoder::new(), GsmDecoder::new());
        let mut decoded = Vec::new();
        for pcm in frames(&signal) {
            let frame = enc.encode_frame(pcm);
            decoded.extend_from_slice(&dec.decode_frame(&frame).expect("own frame decodes"));
        }
        let snr = signals::segmental_snr_db(&signal[..decoded.len()], &decoded);
        println!("{name}: segmental SNR {snr:.1} dB");
        assert!(snr > 8.0, "{name}: segmental SNR only {snr:.1} dB");
    }
}
