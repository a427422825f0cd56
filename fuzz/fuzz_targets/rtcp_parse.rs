//! RTCP compound parsing on arbitrary datagrams: never a panic, and every
//! part of every packet can be walked.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::rtcp::{RtcpPacket, parse_compound};

fuzz_target!(|data: &[u8]| {
    let Ok(packets) = parse_compound(&Bytes::copy_from_slice(data)) else {
        return;
    };
    for packet in packets {
        match packet {
            RtcpPacket::SenderReport(sr) => {
                let _ = sr.reports().count();
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = rr.reports().count();
            }
            RtcpPacket::SourceDescription(sdes) => {
                for chunk in &sdes.chunks {
                    let _ = chunk.items().count();
                    let _ = sdes.cname(chunk.ssrc);
                }
            }
            RtcpPacket::Goodbye(bye) => {
                let _ = bye.sources().count();
            }
            _ => {}
        }
    }
});
