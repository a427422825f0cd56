//! Test audio: tones, tone detection, decoding what arrived, cadence.

use std::f64::consts::PI;

use codecs::Codec;

use super::rtp_peer::Packet;

/// `n` samples of a sine at `hz` (8 kHz) and `amplitude`, starting at sample `offset`.
pub fn tone(hz: f64, amplitude: f64, n: usize, offset: usize) -> Vec<i16> {
    tone_at(hz, amplitude, n, offset, 8000)
}

/// The same at `rate` Hz.
pub fn tone_at(hz: f64, amplitude: f64, n: usize, offset: usize, rate: u32) -> Vec<i16> {
    (offset..offset + n)
        .map(|i| (amplitude * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as i16)
        .collect()
}

/// The share of `samples`' energy at `hz` (Goertzel), 0..1.
pub fn tone_share(samples: &[i16], hz: f64, rate: u32) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let w = 2.0 * PI * hz / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    if energy == 0.0 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    (2.0 * power / (samples.len() as f64 * energy)).min(1.0)
}

/// Root mean square.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// Decodes each packet (in arrival order) with `codec`: one 160-sample frame each.
pub fn decode(codec: Codec, packets: &[Packet]) -> Vec<Vec<i16>> {
    let mut decoder = codecs::decoder_for(codec);
    packets
        .iter()
        .map(|p| {
            let mut out = [0i16; 960];
            let n = decoder.decode(&p.payload, &mut out).unwrap();
            out[..n].to_vec()
        })
        .collect()
}

/// Decodes each packet with the reference C decoder of `codec` (libgsm for
/// GSM, bcg729 for G.729: two 10 ms frames a packet). `None` for the other
/// codecs, or when the oracle library is missing (skipped with a printed
/// reason; a failure when `CI` is set).
pub fn decode_with_oracle(codec: Codec, packets: &[Packet]) -> Option<Vec<Vec<i16>>> {
    match codec {
        Codec::Gsm => {
            let lib = test_oracles::libgsm::Libgsm::load()?;
            let mut decoder = lib.decoder();
            Some(
                packets
                    .iter()
                    .map(|p| {
                        let frame: &[u8; 33] =
                            p.payload.as_slice().try_into().unwrap_or_else(|_| {
                                panic!("a GSM payload of {} bytes, not 33", p.payload.len())
                            });
                        decoder
                            .decode(frame)
                            .expect("libgsm refused a frame Trunkline sent")
                            .to_vec()
                    })
                    .collect(),
            )
        }
        Codec::G729 => {
            let lib = test_oracles::bcg729::Bcg729::load()?;
            let mut decoder = lib.decoder();
            Some(
                packets
                    .iter()
                    .map(|p| {
                        assert_eq!(p.payload.len(), 20, "a G.729 payload of 20 ms");
                        p.payload
                            .chunks(10)
                            .flat_map(|bits| decoder.decode(bits, false, false))
                            .collect()
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Inter-arrival gaps in ms.
pub fn gaps_ms(packets: &[Packet]) -> Vec<f64> {
    packets
        .windows(2)
        .map(|w| w[1].at.duration_since(w[0].at).as_secs_f64() * 1000.0)
        .collect()
}

/// The `q` quantile (0..1) of `values`.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}
