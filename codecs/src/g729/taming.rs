//! Taming of the pitch gain (G.729 section 3.7 note and 3.9.2): tracks
//! an estimate of the excitation error propagation per 40-sample zone of
//! the past and clips the pitch gain when it could build up.

use super::L_SUBFR;
use super::basic_op::*;
use super::tables::misc::TAB_ZONE;

const L_THRESH_ERR: i32 = 983_040_000;
const L_INTER10: i16 = 10;

/// The error estimates of the last four zones.
#[derive(Clone, Debug)]
pub struct Taming {
    exc_err: [i32; 4],
}

impl Taming {
    /// The reset state (unit error everywhere).
    pub fn new() -> Self {
        Taming {
            exc_err: [0x4000; 4],
        }
    }

    /// True when the lag `t0 + frac/3` reaches a zone whose error is too high.
    pub fn needed(&self, t0: i16, frac: i16) -> bool {
        let t1 = if frac > 0 { add(t0, 1) } else { t0 };
        let n = sub(t1, L_SUBFR as i16 + L_INTER10).max(0);
        let zone1 = TAB_ZONE[n as usize % TAB_ZONE.len()] as usize;
        let zone2 = TAB_ZONE[(add(t1, L_INTER10 - 2) as usize).min(TAB_ZONE.len() - 1)] as usize;
        let mut max = -1i32;
        for i in (zone1..=zone2.min(3)).rev() {
            if l_sub(self.exc_err[i], max) > 0 {
                max = self.exc_err[i];
            }
        }
        l_sub(max, L_THRESH_ERR) > 0
    }

    /// Updates the estimates with the quantised pitch gain and integer lag.
    pub fn update(&mut self, gain_pitch: i16, t0: i16) {
        let mut worst = -1i32;
        let step = |e: i32| {
            let (hi, lo) = l_extract(e);
            l_add(0x4000, l_shl(mpy_32_16(hi, lo, gain_pitch), 1))
        };
        let n = sub(t0, L_SUBFR as i16);
        if n < 0 {
            let t = step(self.exc_err[0]);
            worst = worst.max(t);
            let t = step(t);
            worst = worst.max(t);
        } else {
            let zone1 = TAB_ZONE[(n as usize).min(TAB_ZONE.len() - 1)] as usize;
            let zone2 = TAB_ZONE[(sub(t0, 1) as usize).min(TAB_ZONE.len() - 1)] as usize;
            for i in zone1..=zone2.min(3) {
                let t = step(self.exc_err[i]);
                if l_sub(t, worst) > 0 {
                    worst = t;
                }
            }
        }
        self.exc_err.copy_within(0..3, 1);
        self.exc_err[0] = worst;
    }
}

impl Default for Taming {
    fn default() -> Self {
        Self::new()
    }
}
