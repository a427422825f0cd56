//! Call quality: reception statistics (RFC 3550 A.3 and A.8), round-trip
//! time from RTCP, and an ITU-T G.107 E-model estimate.

mod emodel;
mod reception;
mod report;

pub use emodel::{EModelInput, mos_from_r, r_factor};
pub use reception::ReceptionStats;
pub use report::CallQuality;
