//! SIP parse and print: Trunkline's `sip-core` against `rsip` 0.4 and
//! `ezk-sip-types` 0.6 on the same bytes, in the same criterion groups.
//!
//! `cargo bench -p benches --bench sip_parse`
//!
//! Every parser starts from a byte slice: sip-core and ezk-sip-types copy it
//! into a fresh `Bytes` (as a transport hands over a received datagram) and
//! slice that; rsip copies into its own strings.
//!
//! Two parse variants for each parser:
//! - `split`: the message cut into start line, headers and body;
//! - `typed`: `split` plus the core headers a transaction and dialog layer
//!   read (top Via, From, To, Call-ID, CSeq, Contact, Max-Forwards).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use ezk_sip_types::Name as EzkName;
use ezk_sip_types::header::typed as ezk_typed;
use ezk_sip_types::print::AppendCtx;
use rsip::prelude::{HeadersExt, ToTypedHeader};
use sip_core::Message;

#[path = "../support/ezk_message.rs"]
mod ezk_message;
use ezk_message::{EzkMessage, ezk_parse};

/// A typical 955-byte INVITE with an SDP offer, as Trunkline sends to a trunk.
const INVITE: &str = concat!(
    "INVITE sip:+60123456789@sip1.trunk.example.net:5060 SIP/2.0\r\n",
    "Via: SIP/2.0/UDP 203.0.113.25:5060;branch=z9hG4bK-77ba2c4f1e3a9d6b;rport\r\n",
    "Max-Forwards: 70\r\n",
    "Contact: <sip:dialer@203.0.113.25:5060;transport=udp>\r\n",
    "To: <sip:+60123456789@sip1.trunk.example.net>\r\n",
    "From: \"Trunkline Campaign\" <sip:+60387654321@sip1.trunk.example.net>;tag=8c2a1f6d\r\n",
    "Call-ID: 4f9c2e7a1b3d5f60-8e1ca7f@203.0.113.25\r\n",
    "CSeq: 2 INVITE\r\n",
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, NOTIFY\r\n",
    "Supported: timer, replaces\r\n",
    "Session-Expires: 1800;refresher=uac\r\n",
    "Min-SE: 90\r\n",
    "User-Agent: Trunkline/0.1 (outbound dialer; sans-IO core; rust)\r\n",
    "Content-Type: application/sdp\r\n",
    "Content-Length: 293\r\n",
    "\r\n",
    "v=0\r\n",
    "o=- 4242 1 IN IP4 203.0.113.25\r\n",
    "s=-\r\n",
    "c=IN IP4 203.0.113.25\r\n",
    "t=0 0\r\n",
    "m=audio 40000 RTP/AVP 0 8 18 3 101\r\n",
    "a=rtpmap:0 PCMU/8000\r\n",
    "a=rtpmap:8 PCMA/8000\r\n",
    "a=rtpmap:18 G729/8000\r\n",
    "a=fmtp:18 annexb=no\r\n",
    "a=rtpmap:3 GSM/8000\r\n",
    "a=rtpmap:101 telephone-event/8000\r\n",
    "a=fmtp:101 0-16\r\n",
    "a=ptime:20\r\n",
    "a=sendrecv\r\n",
);

/// The trunk's 200 OK with its SDP answer.
const OK_200: &str = concat!(
    "SIP/2.0 200 OK\r\n",
    "Via: SIP/2.0/UDP 203.0.113.25:5060;branch=z9hG4bK-77ba2c4f1e3a9d6b;rport=5060;received=203.0.113.25\r\n",
    "Record-Route: <sip:198.51.100.2;lr>\r\n",
    "To: <sip:+60123456789@sip1.trunk.example.net>;tag=as5e2f1c0b\r\n",
    "From: \"Trunkline Campaign\" <sip:+60387654321@sip1.trunk.example.net>;tag=8c2a1f6d\r\n",
    "Call-ID: 4f9c2e7a1b3d5f60-8e1ca7f@203.0.113.25\r\n",
    "CSeq: 2 INVITE\r\n",
    "Contact: <sip:+60123456789@198.51.100.7:5060>\r\n",
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY\r\n",
    "Supported: replaces, timer\r\n",
    "Session-Expires: 1800;refresher=uac\r\n",
    "Server: TrunkSim\r\n",
    "Content-Type: application/sdp\r\n",
    "Content-Length: 213\r\n",
    "\r\n",
    "v=0\r\n",
    "o=trunk 1000 1000 IN IP4 198.51.100.7\r\n",
    "s=SIP Call\r\n",
    "c=IN IP4 198.51.100.7\r\n",
    "t=0 0\r\n",
    "m=audio 31000 RTP/AVP 0 101\r\n",
    "a=rtpmap:0 PCMU/8000\r\n",
    "a=rtpmap:101 telephone-event/8000\r\n",
    "a=fmtp:101 0-16\r\n",
    "a=ptime:20\r\n",
    "a=sendrecv\r\n",
);

fn ezk_typed_headers(m: &EzkMessage) -> Option<()> {
    let h = &m.headers;
    black_box(h.get_named::<ezk_typed::Via>().ok()?);
    black_box(h.get::<ezk_typed::FromTo>(EzkName::FROM).ok()?);
    black_box(h.get::<ezk_typed::FromTo>(EzkName::TO).ok()?);
    black_box(h.get_named::<ezk_typed::CallID>().ok()?);
    black_box(h.get_named::<ezk_typed::CSeq>().ok()?);
    black_box(h.get_named::<Vec<ezk_typed::Contact>>().ok()?);
    black_box(h.get_named::<ezk_typed::MaxForwards>().ok());
    Some(())
}

fn ezk_print(m: &EzkMessage) -> Vec<u8> {
    let mut out = format!("{}\r\n{}\r\n", m.line.default_print_ctx(), m.headers).into_bytes();
    out.extend_from_slice(&m.body);
    out
}

fn rsip_typed_headers(m: &rsip::SipMessage) -> Option<()> {
    black_box(m.via_header().ok()?.typed().ok()?);
    black_box(m.from_header().ok()?.typed().ok()?);
    black_box(m.to_header().ok()?.typed().ok()?);
    black_box(m.call_id_header().ok()?);
    black_box(m.cseq_header().ok()?.typed().ok()?);
    black_box(m.contact_header().ok()?.typed().ok()?);
    black_box(m.max_forwards_header().ok().map(|h| h.num()));
    Some(())
}

fn trunkline_typed_headers(m: &Message) -> Option<()> {
    let h = m.headers();
    black_box(h.top_via().ok()?);
    black_box(h.from().ok()?);
    black_box(h.to().ok()?);
    black_box(h.call_id().ok()?);
    black_box(h.cseq().ok()?);
    black_box(h.contacts().ok()?);
    black_box(h.max_forwards().ok()?);
    Some(())
}

fn parse_and_print(c: &mut Criterion, name: &str, text: &'static str) {
    let raw: &'static [u8] = text.as_bytes();
    let bytes = Bytes::from_static(raw);

    // Every parser must understand the message, or the comparison is void.
    let ours = Message::parse(bytes.clone()).expect("sip-core parses the message");
    assert!(
        trunkline_typed_headers(&ours).is_some(),
        "sip-core typed headers"
    );
    let theirs = rsip::SipMessage::try_from(raw).expect("rsip parses the message");
    assert!(rsip_typed_headers(&theirs).is_some(), "rsip typed headers");
    let ezk = ezk_parse(&bytes).expect("ezk-sip-types parses the message");
    assert!(
        ezk_typed_headers(&ezk).is_some(),
        "ezk-sip-types typed headers"
    );
    assert_eq!(ours.body().len(), ezk.body.len());
    // All three print the same bytes back for this canonical message.
    assert_eq!(&ours.to_bytes()[..], raw);
    assert_eq!(theirs.to_string().as_bytes(), raw);
    assert_eq!(ezk_print(&ezk), raw);

    let mut group = c.benchmark_group(format!("sip_parse/{name}"));
    group.throughput(Throughput::Bytes(raw.len() as u64));
    let fresh = || Bytes::copy_from_slice(black_box(raw));
    group.bench_function("sip-core/split", |b| b.iter(|| Message::parse(fresh())));
    group.bench_function("rsip/split", |b| {
        b.iter(|| rsip::SipMessage::try_from(black_box(raw)))
    });
    group.bench_function("ezk-sip-types/split", |b| {
        b.iter(|| ezk_parse(&fresh()).map(|m| m.body.len()))
    });
    group.bench_function("sip-core/typed", |b| {
        b.iter(|| {
            Message::parse(fresh())
                .ok()
                .and_then(|m| trunkline_typed_headers(&m))
        })
    });
    group.bench_function("rsip/typed", |b| {
        b.iter(|| {
            rsip::SipMessage::try_from(black_box(raw))
                .ok()
                .and_then(|m| rsip_typed_headers(&m))
        })
    });
    group.bench_function("ezk-sip-types/typed", |b| {
        b.iter(|| ezk_parse(&fresh()).and_then(|m| ezk_typed_headers(&m)))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("sip_print/{name}"));
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("sip-core", |b| b.iter(|| black_box(&ours).to_bytes()));
    group.bench_function("rsip", |b| b.iter(|| black_box(&theirs).to_string()));
    group.bench_function("ezk-sip-types", |b| b.iter(|| ezk_print(black_box(&ezk))));
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    parse_and_print(&mut c, &format!("invite_{}B", INVITE.len()), INVITE);
    parse_and_print(&mut c, &format!("200ok_{}B", OK_200.len()), OK_200);
    c.final_summary();
}
