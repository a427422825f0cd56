use codecs::g729::G729Decoder;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;
fn main() {
    let lib = Bcg729::load().unwrap();
    let which = std::env::args().nth(1).unwrap_or("sweep".into());
    let pcm = match which.as_str() { "silence" => signals::silence(8000), "speech" => signals::speech().unwrap(), _ => signals::sweep(8000) };
    let mut enc = lib.encoder(false);
    let mut theirs = lib.decoder();
    let mut ours = G729Decoder::new();
    for (k, chunk) in pcm.chunks_exact(80).enumerate().take(6) {
        let frame: [u8; 10] = enc.encode(chunk.try_into().unwrap()).try_into().unwrap();
        let x = theirs.decode(&frame, false, false);
        let y = ours.decode_frame(&frame);
        println!("frame {k} {:02x?}", frame);
        println!(" theirs {:?}", &x[..]);
        println!(" ours   {:?}", &y[..]);
    }
}
