use codecs::g729::G729Encoder;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;
fn main() {
    let lib = Bcg729::load().unwrap();
    let pcm = signals::speech().unwrap();
    let mut te = lib.encoder(false);
    let mut oe = G729Encoder::new();
    let mut d1 = lib.decoder();
    let mut d2 = lib.decoder();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut hist = [0; 21]; let mut k_ = 0;
    for chunk in pcm.chunks_exact(80) {
        let c: &[i16; 80] = chunk.try_into().unwrap();
        let (t, o) = (te.encode(c), oe.encode_frame(c));
        let p = |f: &[u8]| { let mut acc = 0u128; for &x in f { acc = acc << 8 | x as u128; } let i = ((acc >> (80 - 26)) & 255) as i32; if i < 197 { (i + 2) / 3 + 19 } else { i - 112 } };
        let d = (p(&t) - p(&o)).abs();
        hist[(d as usize).min(20)] += 1; if k_ > 200 && k_ < 240 { print!("{}/{} ", p(&t), p(&o)); } k_ += 1;
        a.extend_from_slice(&d1.decode(&t, false, false));
        b.extend_from_slice(&d2.decode(&o, false, false));
    }
    let mut rows = Vec::new();
    for k in 0..pcm.len() / 80 - 1 {
        let r = &pcm[k * 80..k * 80 + 80];
        let e: f64 = r.iter().map(|&v| (v as f64).powi(2)).sum();
        if e < 1e6 { continue; }
        let s1 = signals::snr_db(r, &a[k * 80 + 40..k * 80 + 120]);
        let s2 = signals::snr_db(r, &b[k * 80 + 40..k * 80 + 120]);
        rows.push((s2 - s1, k, s1, s2, e.sqrt() as i64));
    }
    rows.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap());
    for r in &rows[..15] { println!("{r:?}"); }
    let mean: f64 = rows.iter().map(|r| r.0).sum::<f64>() / rows.len() as f64;
    println!("pitch diff hist {hist:?}");
    println!("mean diff {mean:.2} over {}", rows.len());
}
