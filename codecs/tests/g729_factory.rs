//! G.729 behind the codec factory: 20 ms packets of two frames, a
//! trailing SID frame, typed errors for wrong sizes, and concealment.

use codecs::g729::{G729Decoder, G729Encoder};
use codecs::{Codec, CodecError, PACKET_SAMPLES, decoder_for, encoder_for};
use test_oracles::signals;

#[test]
fn packets_match_the_raw_codec() {
    let pcm = signals::sweep(8000);
    let mut enc = encoder_for(Codec::G729);
    let mut dec = decoder_for(Codec::G729);
    let (mut raw_enc, mut raw_dec) = (G729Encoder::new(), G729Decoder::new());
    for packet in pcm.chunks_exact(PACKET_SAMPLES) {
        let mut payload = [0u8; 20];
        assert_eq!(enc.encode(packet, &mut payload).unwrap(), 20);
        let mut expected = Vec::new();
        for (i, frame) in packet.chunks_exact(80).enumerate() {
            let bits = raw_enc.encode_frame(frame.try_into().unwrap());
            assert_eq!(payload[i * 10..i * 10 + 10], bits);
            expected.extend_from_slice(&raw_dec.decode_frame(&bits));
        }
        let mut out = [0i16; PACKET_SAMPLES];
        assert_eq!(dec.decode(&payload, &mut out).unwrap(), PACKET_SAMPLES);
        assert_eq!(out[..], expected[..]);
    }
}

#[test]
fn payload_with_a_trailing_sid_frame_decodes_three_frames() {
    let mut dec = decoder_for(Codec::G729);
    let mut out = [0i16; 240];
    assert_eq!(dec.decode(&[0x55; 22], &mut out).unwrap(), 240);
    assert_eq!(dec.decode(&[0x12, 0x34], &mut out).unwrap(), 80);
}

#[test]
fn wrong_sizes_get_typed_errors() {
    let mut dec = decoder_for(Codec::G729);
    let mut out = [0i16; 160];
    assert!(matches!(
        dec.decode(&[0; 15], &mut out),
        Err(CodecError::PartialFrame {
            codec: "G729",
            len: 15,
            ..
        })
    ));
    assert!(matches!(
        dec.decode(&[0; 30], &mut out),
        Err(CodecError::OutputTooSmall {
            needed: 240,
            capacity: 160
        })
    ));
    let mut enc = encoder_for(Codec::G729);
    let mut bytes = [0u8; 20];
    assert!(matches!(
        enc.encode(&[0; 100], &mut bytes),
        Err(CodecError::PartialFrame {
            codec: "G729",
            len: 100,
            ..
        })
    ));
}

/// Concealment of any length writes every sample: two decoders in the same
/// state, one buffer prefilled with each of two sentinels, give the same
/// output, and it follows on from what was decoded (not silence).
#[test]
fn conceal_fills_any_length() {
    let pcm = signals::sweep(1600);
    let mut bits = [0u8; 200];
    let mut enc = encoder_for(Codec::G729);
    assert_eq!(enc.encode(&pcm, &mut bits), Ok(200));
    for len in [1, 79, 80, 81, 160, 200, 333] {
        let mut outputs = Vec::new();
        for sentinel in [i16::MIN, i16::MAX] {
            let mut dec = decoder_for(Codec::G729);
            let mut decoded = [0i16; 1600];
            assert_eq!(dec.decode(&bits, &mut decoded), Ok(1600));
            let mut out = vec![sentinel; len];
            assert_eq!(dec.conceal(&mut out), len);
            outputs.push(out);
        }
        assert_eq!(
            outputs[0], outputs[1],
            "conceal({len}) left samples unwritten"
        );
        assert!(
            outputs[0].iter().any(|&v| v != 0),
            "conceal({len}) after a sweep gave silence"
        );
    }
}
