//! The codec factory: each codec's encoder and decoder behind the traits
//! give what the raw codecs give, refuse wrong sizes with typed errors, and
//! conceal losses through the PLC.

use codecs::gsm::{GsmDecoder, GsmEncoder};
use codecs::{Codec, CodecError, PACKET_SAMPLES, decoder_for, encoder_for, g711};
use test_oracles::signals;

/// Encodes and decodes `pcm` packet by packet through the factory objects.
fn round_trip(codec: Codec, pcm: &[i16]) -> Vec<i16> {
    let mut enc = encoder_for(codec);
    let mut dec = decoder_for(codec);
    let mut payload = [0u8; 160];
    let mut out = Vec::new();
    for packet in pcm.chunks_exact(PACKET_SAMPLES) {
        let n = enc.encode(packet, &mut payload).unwrap();
        assert_eq!(
            n,
            PACKET_SAMPLES / codec.frame_samples() * codec.frame_bytes()
        );
        let mut decoded = [0i16; PACKET_SAMPLES];
        assert_eq!(
            dec.decode(&payload[..n], &mut decoded).unwrap(),
            PACKET_SAMPLES
        );
        out.extend_from_slice(&decoded);
    }
    out
}

#[test]
fn each_object_reports_its_codec() {
    for codec in Codec::ALL {
        assert_eq!(encoder_for(codec).codec(), codec);
        assert_eq!(decoder_for(codec).codec(), codec);
    }
}

/// Frame and packet durations as SDP states them, and a 20 ms packet of
/// PCM encodes to exactly `packet_bytes`.
#[test]
fn durations_and_packet_sizes_are_consistent() {
    let expected = [
        (Codec::Pcmu, 125, 160),
        (Codec::Pcma, 125, 160),
        (Codec::G729, 10_000, 20),
        (Codec::Gsm, 20_000, 33),
    ];
    for (codec, frame_us, packet_bytes) in expected {
        assert_eq!(codec.frame_duration_us(), frame_us, "{codec}");
        assert_eq!(codec.ptime_ms(), 20, "{codec}");
        assert_eq!(codec.packet_bytes(), packet_bytes, "{codec}");
        let mut out = [0u8; 400];
        let written = encoder_for(codec)
            .encode(&[0; PACKET_SAMPLES], &mut out)
            .unwrap();
        assert_eq!(written, codec.packet_bytes(), "{codec}");
    }
}

#[test]
fn g711_objects_match_the_raw_functions() {
    let pcm = signals::white_noise(1600, 7);
    let codes: Vec<u8> = pcm.iter().map(|&s| g711::ulaw_encode(s)).collect();
    let mut enc = encoder_for(Codec::Pcmu);
    let mut out = vec![0u8; pcm.len()];
    assert_eq!(enc.encode(&pcm, &mut out).unwrap(), pcm.len());
    assert_eq!(out, codes);
    let expected: Vec<i16> = pcm
        .iter()
        .map(|&s| g711::ulaw_decode(g711::ulaw_encode(s)))
        .collect();
    assert_eq!(round_trip(Codec::Pcmu, &pcm), expected);
    let expected: Vec<i16> = pcm
        .iter()
        .map(|&s| g711::alaw_decode(g711::alaw_encode(s)))
        .collect();
    assert_eq!(round_trip(Codec::Pcma, &pcm), expected);
}

#[test]
fn g711_takes_any_number_of_samples() {
    let mut enc = encoder_for(Codec::Pcma);
    let mut out = [0u8; 7];
    assert_eq!(enc.encode(&[1, 2, 3], &mut out).unwrap(), 3);
    assert_eq!(enc.encode(&[], &mut out).unwrap(), 0);
    let mut dec = decoder_for(Codec::Pcma);
    let mut pcm = [0i16; 7];
    assert_eq!(dec.decode(&out[..5], &mut pcm).unwrap(), 5);
}

#[test]
fn gsm_objects_match_the_raw_codec_frame_after_frame() {
    let pcm = signals::sweep(160 * 25);
    let mut raw_enc = GsmEncoder::new();
    let mut raw_dec = GsmDecoder::new();
    let mut expected = Vec::new();
    for frame in pcm.chunks_exact(160) {
        let bytes = raw_enc.encode_frame(frame.try_into().unwrap());
        expected.extend_from_slice(&raw_dec.decode_frame(&bytes).unwrap());
    }
    assert_eq!(round_trip(Codec::Gsm, &pcm), expected);
    // Two frames in one payload give the same as one frame per payload.
    let mut enc = encoder_for(Codec::Gsm);
    let mut dec = decoder_for(Codec::Gsm);
    let mut payload = [0u8; 66];
    let mut out = vec![0i16; pcm.len()];
    for (i, pair) in pcm.chunks_exact(320).enumerate() {
        assert_eq!(enc.encode(pair, &mut payload).unwrap(), 66);
        assert_eq!(
            dec.decode(&payload, &mut out[i * 320..(i + 1) * 320])
                .unwrap(),
            320
        );
    }
    assert_eq!(
        out[..expected.len() / 320 * 320],
        expected[..expected.len() / 320 * 320]
    );
}

#[test]
fn gsm_refuses_partial_frames() {
    let mut enc = encoder_for(Codec::Gsm);
    let mut out = [0u8; 66];
    let err = enc.encode(&[0; 100], &mut out).unwrap_err();
    assert_eq!(
        err,
        CodecError::PartialFrame {
            codec: "GSM",
            len: 100,
            unit: 160,
            what: "sample"
        }
    );
    assert_eq!(
        err.to_string(),
        "GSM: 100 is not a whole number of 160-sample frames"
    );
    let mut dec = decoder_for(Codec::Gsm);
    let mut pcm = [0i16; 320];
    let err = dec.decode(&[0xd0; 34], &mut pcm).unwrap_err();
    assert_eq!(
        err,
        CodecError::PartialFrame {
            codec: "GSM",
            len: 34,
            unit: 33,
            what: "byte"
        }
    );
    assert_eq!(dec.decode(&[], &mut pcm).unwrap(), 0);
}

#[test]
fn output_too_small_is_refused() {
    let mut out = [0u8; 32];
    // 20 bytes of G.729 fit in 32; its sizes are checked in g729_factory.rs.
    for codec in Codec::ALL.into_iter().filter(|&c| c != Codec::G729) {
        let err = encoder_for(codec).encode(&[0; 160], &mut out).unwrap_err();
        let needed = 160 / codec.frame_samples() * codec.frame_bytes();
        assert_eq!(
            err,
            CodecError::OutputTooSmall {
                needed,
                capacity: 32
            }
        );
    }
    let mut pcm = [0i16; 100];
    let err = decoder_for(Codec::Gsm)
        .decode(&[0xd0; 33], &mut pcm)
        .unwrap_err();
    assert_eq!(
        err,
        CodecError::OutputTooSmall {
            needed: 160,
            capacity: 100
        }
    );
    let mut pcm = [0i16; 10];
    let err = decoder_for(Codec::Pcmu)
        .decode(&[0; 11], &mut pcm)
        .unwrap_err();
    assert_eq!(
        err,
        CodecError::OutputTooSmall {
            needed: 11,
            capacity: 10
        }
    );
}

#[test]
fn gsm_refuses_a_frame_without_the_signature_and_keeps_its_state() {
    let pcm = signals::sweep(160 * 4);
    let mut enc = encoder_for(Codec::Gsm);
    let mut frames = vec![0u8; 33 * 4];
    enc.encode(&pcm, &mut frames).unwrap();
    let mut clean = decoder_for(Codec::Gsm);
    let mut disturbed = decoder_for(Codec::Gsm);
    let (mut a, mut b) = ([0i16; 160], [0i16; 320]);
    clean.decode(&frames[..33], &mut a).unwrap();
    disturbed.decode(&frames[..33], &mut b[..160]).unwrap();
    // The second frame of this payload is damaged: nothing is decoded.
    let mut bad = frames[33..99].to_vec();
    bad[33] = 0x10;
    assert_eq!(
        disturbed.decode(&bad, &mut b),
        Err(CodecError::BadGsmMagic { found: 1 })
    );
    for frame in frames[33..].chunks_exact(33) {
        clean.decode(frame, &mut a).unwrap();
        disturbed.decode(frame, &mut b[..160]).unwrap();
        assert_eq!(a, b[..160]);
    }
}

#[test]
fn decoders_conceal_a_lost_packet_with_the_plc() {
    // A steady 125 Hz buzz, as voiced speech would be.
    let pcm: Vec<i16> = (0..160 * 20)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let x: f64 = (1..=6)
                .map(|k| (2.0 * std::f64::consts::PI * 125.0 * k as f64 * t).sin() / k as f64)
                .sum();
            (x * 8000.0) as i16
        })
        .collect();
    // G.729 conceals with its own bad-frame path, tested in g729_dtx_erasure.rs.
    for codec in Codec::ALL.into_iter().filter(|&c| c != Codec::G729) {
        let mut enc = encoder_for(codec);
        let mut dec = decoder_for(codec);
        let mut reference = decoder_for(codec);
        let mut payload = [0u8; 160];
        let (mut out, mut clean) = ([0i16; 160], [0i16; 160]);
        for (i, packet) in pcm.chunks_exact(160).enumerate() {
            let n = enc.encode(packet, &mut payload).unwrap();
            reference.decode(&payload[..n], &mut clean).unwrap();
            if i == 10 {
                assert_eq!(dec.conceal(&mut out), 160);
                // The concealment continues the buzz rather than going silent.
                let snr = signals::snr_db(&clean, &out);
                assert!(snr > 10.0, "{codec}: concealment SNR {snr:.1} dB");
            } else {
                dec.decode(&payload[..n], &mut out).unwrap();
                if i == 11 {
                    // The first packet after the loss is blended in...
                    assert_ne!(out[..8], clean[..8], "{codec}");
                }
                if i == 11 && codec != Codec::Gsm {
                    // ...and G.711 is exact again once the blend is over.
                    assert_eq!(out[100..], clean[100..], "{codec} packet {i}");
                }
            }
        }
    }
}

#[test]
fn gsm_decoding_reconverges_after_a_concealed_loss_in_speech() {
    let Some(speech) = signals::speech() else {
        return;
    };
    let mut enc = encoder_for(Codec::Gsm);
    let mut payloads = Vec::new();
    for packet in speech.chunks_exact(160) {
        let mut bytes = [0u8; 33];
        enc.encode(packet, &mut bytes).unwrap();
        payloads.push(bytes);
    }
    let mut reference = decoder_for(Codec::Gsm);
    let mut lossy = decoder_for(Codec::Gsm);
    // Mean SNR against a loss-free decode, by packets since the loss.
    let mut by_distance = [(0.0f64, 0usize); 6];
    for (i, payload) in payloads.iter().enumerate() {
        let (mut clean, mut out) = ([0i16; 160], [0i16; 160]);
        reference.decode(payload, &mut clean).unwrap();
        let distance = (i + 5) % 10;
        if distance == 0 {
            lossy.conceal(&mut out);
        } else {
            lossy.decode(payload, &mut out).unwrap();
        }
        let loud = clean.iter().map(|&x| f64::from(x).abs()).sum::<f64>() > 160.0 * 300.0;
        if i >= 5 && distance < by_distance.len() && loud {
            let snr = signals::snr_db(&clean, &out).clamp(-10.0, 60.0);
            by_distance[distance].0 += snr;
            by_distance[distance].1 += 1;
        }
    }
    let mean = |(sum, n): (f64, usize)| sum / n.max(1) as f64;
    // The decoder's predictors missed a frame; within four packets they
    // have caught up with a loss-free decode (measured: about 33 dB).
    assert!(by_distance[4].1 >= 10);
    assert!(mean(by_distance[4]) > 25.0, "{by_distance:?}");
    assert!(
        mean(by_distance[5]) > mean(by_distance[2]),
        "{by_distance:?}"
    );
}
