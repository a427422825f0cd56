use codecs::g729::G729Decoder;
use test_oracles::bcg729::Bcg729;
fn main() {
    let lib = Bcg729::load().unwrap();
    let mut seed = 12345u64;
    let mut rnd = || { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed };
    let (mut ok0, mut ok1, mut okf) = (0, 0, 0);
    let n = 200;
    let mut stat = [[0; 2]; 2];
    for t in 0..n {
        let mut frame = [0u8; 10];
        for b in frame.iter_mut() { *b = rnd() as u8; }
        if let Ok(g) = std::env::var("GAIN") {
            let g: u128 = g.parse().unwrap();
            let mut b = [0u8; 16]; b[6..].copy_from_slice(&frame);
            let mut acc = u128::from_be_bytes(b);
            acc &= !(0x7f << (80 - 51)); acc |= g << (80 - 51);
            acc &= !0x7f; acc |= g;
            frame.copy_from_slice(&acc.to_be_bytes()[6..]);
        }
        let mut theirs = lib.decoder();
        let mut ours = G729Decoder::new();
        let x = theirs.decode(&frame, false, false);
        let y = ours.decode_frame(&frame);
        let mode = (frame[0] >> 7) as usize;
        stat[mode][(x[..40] == y[..40]) as usize] += 1;
        if x[..40] == y[..40] { ok0 += 1 } if x[..40] == y[..40] && x[40..] != y[40..] && t < 30 { println!("{frame:02x?}\n theirs {:?}\n ours   {:?}", &x[40..], &y[40..]); }
        if x[40..] == y[40..] { ok1 += 1 }
        if x == y { okf += 1 }
    }
    println!("by mode [miss, hit]: {stat:?}");
    println!("sf0 match {ok0}/{n}, sf1 {ok1}/{n}, frame {okf}/{n}");
}
