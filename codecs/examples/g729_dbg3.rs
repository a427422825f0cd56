use codecs::g729::G729Decoder;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;
fn main() {
    let lib = Bcg729::load().unwrap();
    let pcm = signals::clipped(8000 * 4);
    let mut enc = lib.encoder(false);
    let mut theirs = lib.decoder();
    let mut ours = G729Decoder::new();
    let mut worst = Vec::new();
    for (k, chunk) in pcm.chunks_exact(80).enumerate() {
        let frame: [u8; 10] = enc.encode(chunk.try_into().unwrap()).try_into().unwrap();
        let x = theirs.decode(&frame, false, false);
        let y = ours.decode_frame(&frame);
        if k == 148 { println!("{:?}\n{:?}", x, y); }
        worst.push((signals::snr_db(&x, &y), k, x.iter().map(|v| v.unsigned_abs()).max().unwrap(), y.iter().map(|v| v.unsigned_abs()).max().unwrap()));
    }
    worst.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    for w in &worst[..10] { println!("{w:?}"); }
}
