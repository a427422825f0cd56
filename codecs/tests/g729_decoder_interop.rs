//! Our G.729 decoder against bcg729's on bcg729's bitstream.

use codecs::g729::G729Decoder;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;

fn signals_under_test() -> Vec<(&'static str, Vec<i16>)> {
    let n = 8000 * 4;
    let mut v = vec![
        ("silence", signals::silence(n)),
        ("sweep", signals::sweep(n)),
        ("white_noise", signals::white_noise(n, 0x7472_756e_6b6c_696e)),
        ("clipped", signals::clipped(n)),
    ];
    if let Some(s) = signals::speech() {
        v.push(("speech", s));
    }
    v
}

#[test]
fn decoder_matches_bcg729() {
    let Some(lib) = Bcg729::load() else { return };
    for (name, pcm) in signals_under_test() {
        let mut enc = lib.encoder(false);
        let mut theirs = lib.decoder();
        let mut ours = G729Decoder::new();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut same = 0;
        let mut frames = 0;
        let mut first_diff = None;
        for (k, chunk) in pcm.chunks_exact(80).enumerate() {
            let frame: [u8; 10] = enc.encode(chunk.try_into().unwrap()).try_into().unwrap();
            let x = theirs.decode(&frame, false, false);
            let y = ours.decode_frame(&frame);
            if x == y { same += 1 } else if first_diff.is_none() { first_diff = Some(k) }
            frames += 1;
            a.extend_from_slice(&x);
            b.extend_from_slice(&y);
        }
        let snr = signals::snr_db(&a, &b);
        println!("{name}: decoder SNR vs bcg729 {snr:.1} dB, identical frames {same}/{frames}, first diff {first_diff:?}");
        assert!(snr >= 30.0 || std::env::var_os("G729_DEBUG").is_some(), "{name}: {snr}");
    }
}
