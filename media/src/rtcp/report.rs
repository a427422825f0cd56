//! Sender and receiver reports and their report blocks.

use bytes::{BufMut, Bytes, BytesMut};

use super::{PT_RR, PT_SR, write_header};
use crate::error::RtcpError;

const REPORT_BLOCK_LEN: usize = 24;
const SENDER_INFO_LEN: usize = 24;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed; negative with duplicates).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received (0 if none).
    pub last_sr: u32,
    /// Delay since that SR was received, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn parse(b: &[u8]) -> Option<ReportBlock> {
        let word = |i: usize| -> Option<u32> {
            Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
        };
        let loss = word(4)?;
        // Sign-extend the 24-bit cumulative loss.
        let cumulative_lost = ((loss << 8) as i32) >> 8;
        Some(ReportBlock {
            ssrc: word(0)?,
            fraction_lost: (loss >> 24) as u8,
            cumulative_lost,
            highest_sequence: word(8)?,
            jitter: word(12)?,
            last_sr: word(16)?,
            delay_since_last_sr: word(20)?,
        })
    }

    fn write(&self, out: &mut BytesMut) {
        out.put_u32(self.ssrc);
        let lost = self.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32 & 0x00ff_ffff;
        out.put_u32(u32::from(self.fraction_lost) << 24 | lost);
        out.put_u32(self.highest_sequence);
        out.put_u32(self.jitter);
        out.put_u32(self.last_sr);
        out.put_u32(self.delay_since_last_sr);
    }
}

/// Report blocks kept as bytes and decoded on iteration (validated at parse).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReportBlocks(Bytes);

impl ReportBlocks {
    fn parse(count: u8, body: Bytes) -> Result<ReportBlocks, RtcpError> {
        let needed = usize::from(count) * REPORT_BLOCK_LEN;
        if body.len() < needed {
            return Err(RtcpError::Truncated {
                needed,
                len: body.len(),
            });
        }
        Ok(ReportBlocks(body.slice(..needed)))
    }

    fn iter(&self) -> impl Iterator<Item = ReportBlock> + '_ {
        self.0
            .chunks_exact(REPORT_BLOCK_LEN)
            .filter_map(ReportBlock::parse)
    }
}

/// The sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// SSRC of the sender.
    pub ssrc: u32,
    /// 64-bit NTP wallclock timestamp.
    pub ntp_timestamp: u64,
    /// RTP timestamp corresponding to the NTP timestamp.
    pub rtp_timestamp: u32,
    /// Packets sent so far.
    pub packet_count: u32,
    /// Payload octets sent so far.
    pub octet_count: u32,
}

/// A parsed sender report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderReport {
    /// The sender's own figures.
    pub info: SenderInfo,
    blocks: ReportBlocks,
}

impl SenderReport {
    pub(super) fn parse(count: u8, body: &Bytes) -> Result<SenderReport, RtcpError> {
        let fixed = body.get(..SENDER_INFO_LEN).ok_or(RtcpError::Truncated {
            needed: SENDER_INFO_LEN,
            len: body.len(),
        })?;
        let word =
            |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let info = SenderInfo {
            ssrc: word(0),
            ntp_timestamp: u64::from(word(4)) << 32 | u64::from(word(8)),
            rtp_timestamp: word(12),
            packet_count: word(16),
            octet_count: word(20),
        };
        Ok(SenderReport {
            info,
            blocks: ReportBlocks::parse(count, body.slice(SENDER_INFO_LEN..))?,
        })
    }

    /// The reception report blocks.
    pub fn reports(&self) -> impl Iterator<Item = ReportBlock> + '_ {
        self.blocks.iter()
    }

    /// Appends an SR with up to 31 report blocks to `out`.
    pub fn write(info: &SenderInfo, blocks: &[ReportBlock], out: &mut BytesMut) {
        let blocks = &blocks[..blocks.len().min(31)];
        write_header(
            blocks.len() as u8,
            PT_SR,
            SENDER_INFO_LEN + REPORT_BLOCK_LEN * blocks.len(),
            out,
        );
        out.put_u32(info.ssrc);
        out.put_u64(info.ntp_timestamp);
        out.put_u32(info.rtp_timestamp);
        out.put_u32(info.packet_count);
        out.put_u32(info.octet_count);
        for block in blocks {
            block.write(out);
        }
    }
}

/// A parsed receiver report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverReport {
    /// SSRC of the reporter.
    pub ssrc: u32,
    blocks: ReportBlocks,
}

impl ReceiverReport {
    pub(super) fn parse(count: u8, body: &Bytes) -> Result<ReceiverReport, RtcpError> {
        let ssrc = body.get(..4).ok_or(RtcpError::Truncated {
            needed: 4,
            len: body.len(),
        })?;
        Ok(ReceiverReport {
            ssrc: u32::from_be_bytes([ssrc[0], ssrc[1], ssrc[2], ssrc[3]]),
            blocks: ReportBlocks::parse(count, body.slice(4..))?,
        })
    }

    /// The reception report blocks.
    pub fn reports(&self) -> impl Iterator<Item = ReportBlock> + '_ {
        self.blocks.iter()
    }

    /// Appends an RR with up to 31 report blocks to `out`.
    pub fn write(ssrc: u32, blocks: &[ReportBlock], out: &mut BytesMut) {
        let blocks = &blocks[..blocks.len().min(31)];
        write_header(
            blocks.len() as u8,
            PT_RR,
            4 + REPORT_BLOCK_LEN * blocks.len(),
            out,
        );
        out.put_u32(ssrc);
        for block in blocks {
            block.write(out);
        }
    }
}
