//! The ITU-T G.107 E-model, reduced to what one RTP leg can measure: the
//! codec's equipment impairment with packet loss (Ie,eff, G.107 §7.4 with
//! the G.113 Appendix I values) and the delay impairment Idd (G.107 §7.3).
//! The other factors take their G.107 default values, which with good echo
//! cancellation leave the basic rate R0 - Is at 93.2.

use codecs::Codec;

/// R for a narrowband call with every impairment at its default.
const R_DEFAULT: f64 = 93.2;

/// What the E-model needs to know about a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelInput {
    /// The codec on the leg.
    pub codec: Codec,
    /// Packets lost or discarded as late, in percent (0-100).
    pub loss_percent: f64,
    /// Mean length of loss bursts divided by the mean burst length of random
    /// loss at the same rate (1.0 for random loss).
    pub burst_ratio: f64,
    /// Mouth-to-ear delay in milliseconds (network one way, jitter buffer, packetisation).
    pub one_way_delay_ms: f64,
}

/// Equipment impairment Ie and packet-loss robustness Bpl of a codec with
/// its concealment (ITU-T G.113 Appendix I; GSM-FR has no published Bpl,
/// the value for a frame-repeating codec without its own PLC is assumed).
fn codec_impairment(codec: Codec) -> (f64, f64) {
    match codec {
        Codec::Pcmu | Codec::Pcma => (0.0, 25.1),
        Codec::G729 => (11.0, 19.0),
        Codec::Gsm => (20.0, 10.0),
        _ => (20.0, 10.0),
    }
}

/// The delay impairment Idd of G.107 §7.3 for an absolute delay in ms.
fn delay_impairment(ta: f64) -> f64 {
    if ta <= 100.0 {
        return 0.0;
    }
    let x = (ta / 100.0).log2();
    25.0 * ((1.0 + x.powi(6)).powf(1.0 / 6.0) - 3.0 * (1.0 + (x / 3.0).powi(6)).powf(1.0 / 6.0)
        + 2.0)
}

/// The transmission rating factor R (0-100).
pub fn r_factor(input: EModelInput) -> f64 {
    let (ie, bpl) = codec_impairment(input.codec);
    let ppl = input.loss_percent.clamp(0.0, 100.0);
    let burst = input.burst_ratio.max(1.0);
    let ie_eff = ie + (95.0 - ie) * ppl / (ppl / burst + bpl);
    let idd = delay_impairment(input.one_way_delay_ms.max(0.0));
    (R_DEFAULT - ie_eff - idd).clamp(0.0, 100.0)
}

/// The mean opinion score (1.0-4.5) for a rating factor R (G.107 Annex B).
pub fn mos_from_r(r: f64) -> f64 {
    if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(codec: Codec, loss: f64, delay: f64) -> EModelInput {
        EModelInput {
            codec,
            loss_percent: loss,
            burst_ratio: 1.0,
            one_way_delay_ms: delay,
        }
    }

    #[test]
    fn clean_g711_call_rates_as_toll_quality() {
        let r = r_factor(input(Codec::Pcmu, 0.0, 50.0));
        assert!((r - 93.2).abs() < 1e-9);
        let mos = mos_from_r(r);
        assert!((4.40..4.42).contains(&mos), "{mos}");
    }

    #[test]
    fn loss_delay_and_codec_lower_the_rating() {
        let clean = r_factor(input(Codec::Pcmu, 0.0, 50.0));
        let lossy = r_factor(input(Codec::Pcmu, 5.0, 50.0));
        // Ie,eff = 95 * 5 / (5 + 25.1) = 15.78.
        assert!((clean - lossy - 15.78).abs() < 0.01, "{lossy}");
        let bursty = r_factor(EModelInput {
            burst_ratio: 2.0,
            ..input(Codec::Pcmu, 5.0, 50.0)
        });
        assert!(bursty < lossy);
        let gsm = r_factor(input(Codec::Gsm, 0.0, 50.0));
        assert!((gsm - 73.2).abs() < 1e-9);
        // G.107: Idd at 200 ms (X = 1) is 25 * (2^(1/6) - 3 * (1 + 1/729)^(1/6) + 2)).
        let slow = r_factor(input(Codec::Pcmu, 0.0, 200.0));
        assert!(
            (93.2
                - slow
                - 25.0
                    * (2f64.powf(1.0 / 6.0) - 3.0 * (1.0 + 1.0 / 729.0f64).powf(1.0 / 6.0) + 2.0))
                .abs()
                < 1e-9
        );
        assert!(mos_from_r(0.0) == 1.0 && mos_from_r(120.0) == 4.5);
    }
}
