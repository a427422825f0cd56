use codecs::g729::G729Encoder;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;
fn main() {
    let lib = Bcg729::load().unwrap();
    let mut sigs = vec![("sweep", signals::sweep(32000)), ("noise", signals::white_noise(32000, 0x7472_756e_6b6c_696e)), ("clipped", signals::clipped(32000))];
    sigs.push(("speech", signals::speech().unwrap()));
    for (name, pcm) in sigs {
        let mut theirs_enc = lib.encoder(false);
        let mut ours_enc = G729Encoder::new();
        let mut d1 = lib.decoder();
        let mut d2 = lib.decoder();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut fd = [0; 15]; let mut same = 0; let mut lsp_same = 0; let mut p1_same = 0; let mut n = 0; let mut first = None;
        for (k, chunk) in pcm.chunks_exact(80).enumerate() {
            let c: &[i16; 80] = chunk.try_into().unwrap();
            let t = theirs_enc.encode(c);
            let o = ours_enc.encode_frame(c);
            if std::env::var_os("SHOW").is_some() && k < 12 { println!("{k}: {:?}\n    {:?}", fields(&t), fields(&o)); }
            let (ft, fo) = (fields(&t), fields(&o)); if ft[..4] == fo[..4] { lsp_same += 1 } if ft[..4] == fo[..4] && ft[4] == fo[4] { p1_same += 1 }
            for i in 0..15 { if ft[i] != fo[i] { fd[i] += 1; } }
            if t[..] == o[..] { same += 1 } else if first.is_none() { first = Some(k);  }
            n += 1;
            a.extend_from_slice(&d1.decode(&t, false, false));
            b.extend_from_slice(&d2.decode(&o, false, false));
        }
        let delay = 40;
        let r1 = signals::snr_db(&pcm[..pcm.len()-delay], &a[delay..]);
        let r2 = signals::snr_db(&pcm[..pcm.len()-delay], &b[delay..]);
        let s1 = signals::segmental_snr_db(&pcm[..pcm.len()-delay], &a[delay..]);
        let s2 = signals::segmental_snr_db(&pcm[..pcm.len()-delay], &b[delay..]);
        println!("{name}: theirs snr {r1:.2} seg {s1:.2} | ours snr {r2:.2} seg {s2:.2} | identical {same}/{n} first diff {first:?} lsp same {lsp_same} lsp+p1 {p1_same}\n  field diffs {fd:?}");
    }
}

fn fields(f: &[u8]) -> Vec<u32> {
    let mut acc: u128 = 0;
    for &b in f { acc = (acc << 8) | b as u128; }
    let w = [1u32, 7, 5, 5, 8, 1, 13, 4, 3, 4, 5, 13, 4, 3, 4];
    let mut shift = 80u32;
    w.iter().map(|&n| { shift -= n; ((acc >> shift) & ((1 << n) - 1)) as u32 }).collect()
}
