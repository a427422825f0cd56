//! Arbitrary bytes, SID frames and erasure flags never panic the G.729
//! decoder, and arbitrary PCM never panics the encoder.

use codecs::g729::{G729Decoder, G729Encoder};
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn decoder_survives_any_sequence(events in prop::collection::vec(event(), 1..60)) {
        let mut dec = G729Decoder::new();
        for e in events {
            let out = match e {
                Event::Frame(f) => dec.decode_frame(&f),
                Event::Sid(s) => dec.decode_sid(&s),
                Event::Lost => dec.conceal(),
                Event::Untransmitted => dec.decode_untransmitted(),
            };
            prop_assert_eq!(out.len(), 80);
        }
    }

    #[test]
    fn encoder_survives_any_pcm(pcm in prop::collection::vec(any::<i16>(), 80 * 8)) {
        let mut enc = G729Encoder::new();
        for chunk in pcm.chunks_exact(80) {
            let frame = enc.encode_frame(chunk.try_into().unwrap());
            prop_assert_eq!(frame.len(), 10);
        }
    }
}

#[test]
fn extreme_inputs_round_trip_without_panic() {
    let mut enc = G729Encoder::new();
    let mut dec = G729Decoder::new();
    for value in [i16::MIN, i16::MAX, 0, -1] {
        for _ in 0..20 {
            let bits = enc.encode_frame(&[value; 80]);
            dec.decode_frame(&bits);
        }
    }
    for k in 0..400 {
        let square: [i16; 80] =
            std::array::from_fn(|i| if (i + k) % 16 < 8 { i16::MAX } else { i16::MIN });
        let bits = enc.encode_frame(&square);
        dec.decode_frame(&bits);
    }
    for b in 0..=255u8 {
        dec.decode_frame(&[b; 10]);
    }
}
