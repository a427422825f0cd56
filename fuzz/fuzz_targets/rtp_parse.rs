//! RTP parsing on arbitrary datagrams: never a panic, and a parsed packet's
//! parts always lie inside the datagram.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::rtp::RtpPacket;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = RtpPacket::parse(Bytes::copy_from_slice(data)) {
        assert!(packet.payload_bytes().len() + 12 <= data.len());
        let _ = packet.csrcs().count();
        if let Some(ext) = packet.extension() {
            assert!(ext.body.len() % 4 == 0);
        }
        let _ = (packet.marker(), packet.payload_type(), packet.sequence(), packet.timestamp(), packet.ssrc());
    }
});
