//! The coded parameters of one GSM 06.10 frame: what travels in the 33 bytes.

/// Parameters of one 40-sample sub-frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SubframeParams {
    /// LTP lag `Nc`, 40..=120 from the encoder (7 bits on the wire).
    pub nc: u8,
    /// LTP gain index `bc` (2 bits).
    pub bc: u8,
    /// RPE grid position `Mc` (2 bits).
    pub mc: u8,
    /// Coded block maximum `xmaxc` (6 bits).
    pub xmaxc: u8,
    /// Coded RPE pulses `xMc` (3 bits each).
    pub xmc: [u8; 13],
}

/// Parameters of one 160-sample frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FrameParams {
    /// Coded log-area ratios `LARc[1..8]`, offset to be non-negative.
    pub larc: [u8; 8],
    /// The four sub-frames in time order.
    pub subframes: [SubframeParams; 4],
}
