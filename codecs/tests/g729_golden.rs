//! Pins a hash of the G.729 encoder's bitstream and of the decoder's PCM
//! on deterministic synthetic signals, so that an optimisation or a
//! refactoring that changes a single output bit fails here.
//!
//! The signals are made with integer arithmetic only, so the hashes are
//! the same on every machine. When an output change is intended (a step
//! towards bcg729's bit-exactness, checked by `g729_bcg729.rs`), re-pin the
//! hashes the failure message prints and say why in the commit.

use codecs::g729::{G729Decoder, G729Encoder, L_FRAME};

/// Two seconds at 8 kHz.
const LEN: usize = 16_000;

/// 64-bit FNV-1a, written out so the pinned values never depend on the
/// standard library's hasher.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn samples(&mut self, pcm: &[i16]) {
        for s in pcm {
            self.bytes(&s.to_le_bytes());
        }
    }
}

/// A xorshift generator for noise and random frames.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Speech-like input: a glottal pulse train whose period glides between
/// 2.5 and 15 ms through two resonators (formants), with an envelope,
/// unvoiced noise stretches and pauses, scaled by `gain_q8 / 256` and
/// saturated to 16 bits.
fn voiced(gain_q8: i64) -> Vec<i16> {
    let mut rng = XorShift(0x6737_3239_5f67_6f6c);
    // Resonators y = x + c1*y1 - c2*y2 (Q14): about 700 Hz and 1800 Hz.
    let formants = [(28_378i64, 15_400i64), (10_500, 14_900)];
    let mut state = [[0i64; 2]; 2];
    let mut next_pulse = 0usize;
    (0..LEN)
        .map(|n| {
            let segment = n / 2000;
            let period = 20 + (n / 37) % 100;
            let excitation = match segment % 4 {
                0 | 2 if n >= next_pulse => {
                    next_pulse = n + period;
                    6000
                }
                1 => (rng.next() >> 53) as i64 - 1024,
                _ => 0,
            };
            let mut x = excitation;
            for ((c1, c2), s) in formants.iter().zip(state.iter_mut()) {
                let y = x + ((c1 * s[0] - c2 * s[1]) >> 14);
                let y = y.clamp(-(1 << 24), 1 << 24);
                s[1] = s[0];
                s[0] = y;
                x = y >> 2;
            }
            let envelope = 64 + (n % 2000).min(2000 - n % 2000) as i64 / 8;
            let v = x * envelope / 256 * gain_q8 / 256;
            v.clamp(i16::MIN as i64, i16::MAX as i64) as i16
        })
        .collect()
}

/// The signals the hashes are pinned on.
fn signals() -> Vec<(&'static str, Vec<i16>)> {
    let mut rng = XorShift(0x7472_756e_6b6c_696e);
    vec![
        ("silence", vec![0; LEN]),
        ("voiced", voiced(4096)),
        ("voiced, loud and clipped", voiced(16_384)),
        ("voiced, quiet", voiced(64)),
        (
            "white noise",
            (0..LEN).map(|_| (rng.next() >> 48) as u16 as i16).collect(),
        ),
        (
            "full-scale square",
            (0..LEN)
                .map(|n| if n % 16 < 8 { i16::MAX } else { i16::MIN })
                .collect(),
        ),
    ]
}

/// Encodes `pcm` and decodes the result with every seventh frame lost,
/// then decodes random frames, SID frames and untransmitted frames.
/// Returns the hashes of the bitstream and of all decoded PCM.
fn run(pcm: &[i16]) -> (u64, u64) {
    let mut enc = G729Encoder::new();
    let mut dec = G729Decoder::new();
    let (mut bits, mut out) = (Fnv::new(), Fnv::new());
    for (i, frame) in pcm.chunks_exact(L_FRAME).enumerate() {
        let frame: &[i16; L_FRAME] = frame.try_into().expect("chunks of L_FRAME");
        let coded = enc.encode_frame(frame);
        bits.bytes(&coded);
        let decoded = if i % 7 == 3 {
            dec.conceal()
        } else {
            dec.decode_frame(&coded)
        };
        out.samples(&decoded);
    }
    let mut rng = XorShift(0x1234_5678);
    for _ in 0..100 {
        let mut frame = [0u8; 10];
        for b in frame.iter_mut() {
            *b = rng.next() as u8;
        }
        out.samples(&dec.decode_frame(&frame));
    }
    for k in 0..30u8 {
        let decoded = if k % 3 == 0 {
            dec.decode_sid(&[k.wrapping_mul(37), k])
        } else {
            dec.decode_untransmitted()
        };
        out.samples(&decoded);
    }
    (bits.0, out.0)
}

#[test]
fn encoder_and_decoder_outputs_are_unchanged() {
    const PINNED: [(u64, u64); 6] = [
        (0xcad2beb536a8b1ed, 0xffe0ff29f3d22ec3), // silence
        (0x13dac6699545aca7, 0xe6e42de621c0cc08), // voiced
        (0x21368d2d90fe9f28, 0xfa95aaa0172bf7c3), // voiced, loud and clipped
        (0x63243b6092d1fd79, 0x40a1cbb967576ba1), // voiced, quiet
        (0xd1520b02748f584c, 0x993644b8af547cd0), // white noise
        (0xfcdec268bd81aff4, 0x7839fad48aae88ca), // full-scale square
    ];
    let mut changed = Vec::new();
    let mut now = Vec::new();
    for ((name, pcm), pinned) in signals().iter().zip(PINNED) {
        let got = run(pcm);
        now.push(format!("({:#018x}, {:#018x}), // {name}", got.0, got.1));
        if got.0 != pinned.0 {
            changed.push(format!("{name}: encoder bitstream"));
        }
        if got.1 != pinned.1 {
            changed.push(format!("{name}: decoder PCM"));
        }
    }
    assert!(
        changed.is_empty(),
        "G.729 output changed ({}); if that is intended, pin:\n{}",
        changed.join(", "),
        now.join("\n")
    );
}
