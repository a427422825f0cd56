//! The GSM decoder on arbitrary bytes: never panics, refuses a wrong
//! signature with a typed error, and matches libgsm on any frame that has
//! the signature (including lags and codes our encoder never produces).

use codecs::CodecError;
use codecs::gsm::{FRAME_BYTES, GsmDecoder, GsmEncoder};
use proptest::prelude::*;
use test_oracles::libgsm::Libgsm;

#[test]
fn wrong_signature_is_a_typed_error_and_leaves_state_alone() {
    let mut encoder = GsmEncoder::new();
    let tone: Vec<i16> = (0..480)
        .map(|i| ((i as f64 * 0.2).sin() * 8000.0) as i16)
        .collect();
    let frames: Vec<[u8; FRAME_BYTES]> = tone
        .chunks_exact(160)
        .map(|c| encoder.encode_frame(c.try_into().expect("160 samples")))
        .collect();

    let (mut clean, mut interrupted) = (GsmDecoder::new(), GsmDecoder::new());
    let mut bad = frames[1];
    bad[0] = (bad[0] & 0x0F) | 0xA0;
    for frame in &frames {
        let expected = clean.decode_frame(frame).expect("valid frame");
        assert_eq!(
            interrupted.decode_frame(&bad),
            Err(CodecError::BadGsmMagic { found: 0xA })
        );
        assert_eq!(
            interrupted.decode_frame(frame).expect("valid frame"),
            expected
        );
    }
    let message = CodecError::BadGsmMagic { found: 0xA }.to_string();
    assert!(
        message.contains("0xa") && message.contains("0xd"),
        "{message}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_frames_never_panic_and_match_libgsm(
        frames in prop::collection::vec((prop::collection::vec(any::<u8>(), FRAME_BYTES), any::<bool>()), 1..20)
    ) {
        let libgsm = Libgsm::load();
        let mut reference = libgsm.as_ref().map(Libgsm::decoder);
        let mut ours = GsmDecoder::new();
        for (bytes, force_signature) in frames {
            let mut frame: [u8; FRAME_BYTES] = bytes.try_into().expect("33 bytes");
            if force_signature {
                frame[0] = (frame[0] & 0x0F) | 0xD0;
            }
            let result = ours.decode_frame(&frame);
            prop_assert_eq!(result.is_ok(), frame[0] >> 4 == 0xD);
            if let (Some(reference), Ok(pcm)) = (reference.as_mut(), result) {
                let expected = reference.decode(&frame);
                prop_assert_eq!(Some(pcm), expected);
            }
        }
    }
}
