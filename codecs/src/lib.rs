//! Telephony codecs for Trunkline, in pure Rust with no allocation per frame.
#![forbid(unsafe_code)]

mod codec;
mod error;
mod fixed_point;
pub mod g729;

pub use codec::{Codec, Decoder, Encoder, PACKET_SAMPLES};
pub use error::CodecError;
pub mod g711;

pub mod resample;
pub use resample::Resampler;
pub mod plc;
pub use plc::Plc;
mod factory;
pub mod gsm;
pub mod wav;
pub use factory::{decoder_for, encoder_for};
