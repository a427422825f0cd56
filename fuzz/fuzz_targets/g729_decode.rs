//! The G.729 decoder on arbitrary bytes and erasure patterns, state carried
//! from frame to frame: each step takes a control byte choosing a speech
//! frame (the next 10 bytes), a SID frame (the next 2 bytes), a lost frame
//! or an untransmitted frame, and the whole input also goes through the
//! codec factory's packet decoder. Nothing may panic, and a step repeated
//! from a copy of the state gives the same samples.
#![no_main]

use codecs::g729::G729Decoder;
use codecs::{Codec, decoder_for};
use libfuzzer_sys::fuzz_target;

/// One step chosen by `control`, taking its bytes from the front of `rest`.
fn step(decoder: &mut G729Decoder, control: u8, rest: &mut &[u8]) -> [i16; 80] {
    let input: &[u8] = *rest;
    match control % 4 {
        0 | 1 => match input.split_first_chunk::<10>() {
            Some((frame, tail)) => {
                *rest = tail;
                decoder.decode_frame(frame)
            }
            None => decoder.conceal(),
        },
        2 => {
            let (sid, tail) = input.split_at(input.len().min(2));
            *rest = tail;
            decoder.decode_sid(sid)
        }
        _ if control & 4 == 0 => decoder.conceal(),
        _ => decoder.decode_untransmitted(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut decoder = G729Decoder::new();
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        rest = tail;
        let (mut twin, mut twin_rest) = (decoder.clone(), rest);
        let out = step(&mut decoder, control, &mut rest);
        assert_eq!(
            out,
            step(&mut twin, control, &mut twin_rest),
            "the same state and input decoded twice differ"
        );
    }
    let mut packets = decoder_for(Codec::G729);
    let mut pcm = [0i16; 80 * 32];
    for packet in data.chunks(22) {
        if packets.decode(packet, &mut pcm).is_err() {
            packets.conceal(&mut pcm[..160]);
        }
    }
});
