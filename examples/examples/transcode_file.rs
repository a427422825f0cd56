//! Sends a WAV file through a codec and back with the `codecs` crate: the
//! encoder and decoder a call uses, 20 ms at a time, as RTP would carry it.
//!
//! ```text
//! cargo run -p trunkline-examples --example transcode_file -- in.wav GSM out.wav
//! ```
//! `in.wav` is 16-bit mono PCM at 8 kHz (other rates are resampled to 8 kHz
//! first); the codec is PCMU, PCMA, GSM or G729. It writes the decoded audio
//! to `out.wav` and prints the payload size, the bit rate and the
//! signal-to-noise ratio of the round trip.

use std::error::Error;

use codecs::{Codec, PACKET_SAMPLES, Resampler, decoder_for, encoder_for, wav};

/// Signal-to-noise ratio of `decoded` against `original`, in dB.
fn snr_db(original: &[i16], decoded: &[i16]) -> f64 {
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&a, &b) in original.iter().zip(decoded) {
        signal += f64::from(a).powi(2);
        noise += (f64::from(a) - f64::from(b)).powi(2);
    }
    10.0 * (signal / noise.max(1.0)).log10()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, codec, output] = args.as_slice() else {
        return Err("usage: transcode_file IN.wav PCMU|PCMA|GSM|G729 OUT.wav".into());
    };
    let codec = Codec::from_rtpmap(codec, 8000)
        .ok_or_else(|| format!("unknown codec '{codec}': PCMU, PCMA, GSM or G729"))?;
    let bytes = std::fs::read(input)?;
    let file = wav::parse(&bytes)?;
    let mut pcm: Vec<i16> = file.samples().collect();
    if file.sample_rate() != 8000 {
        let mut resampler = Resampler::new(file.sample_rate(), 8000)?;
        let mut at_8k = Vec::new();
        resampler.process(&pcm, &mut at_8k);
        pcm = at_8k;
    }
    // Whole 20 ms packets: pad the last one with silence.
    pcm.resize(pcm.len().div_ceil(PACKET_SAMPLES) * PACKET_SAMPLES, 0);

    let mut encoder = encoder_for(codec);
    let mut decoder = decoder_for(codec);
    let mut decoded = Vec::with_capacity(pcm.len());
    let mut payload_bytes = 0;
    let mut payload = [0u8; 320];
    let mut frame = [0i16; PACKET_SAMPLES];
    for packet in pcm.chunks(PACKET_SAMPLES) {
        let n = encoder.encode(packet, &mut payload)?;
        payload_bytes += n;
        let m = decoder.decode(&payload[..n], &mut frame)?;
        decoded.extend_from_slice(&frame[..m]);
    }
    std::fs::write(output, wav::write(8000, &decoded)?)?;

    let packets = pcm.len() / PACKET_SAMPLES;
    let seconds = pcm.len() as f64 / 8000.0;
    println!(
        "{codec}: {packets} packets of {} bytes, {:.1} kbit/s, SNR {:.1} dB over {seconds:.2} s",
        payload_bytes / packets.max(1),
        payload_bytes as f64 * 8.0 / seconds.max(f64::MIN_POSITIVE) / 1000.0,
        snr_db(&pcm, &decoded),
    );
    Ok(())
}
