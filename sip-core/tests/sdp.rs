//! SDP offer/answer: our offer, trunk answers, re-offers for hold and
//! resume, refusal when no codec is common, and print/parse round trips.

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;
use sip_core::StatusCode;
use sip_core::sdp::{Attribute, Codec, Direction, LocalMedia, SdpError, SessionDescription};

fn local() -> LocalMedia {
    LocalMedia {
        session_id: 4242,
        session_version: 1,
        ..LocalMedia::new("192.0.2.10".parse().unwrap(), 40000)
    }
}

fn sdp(text: &str) -> SessionDescription {
    SessionDescription::parse(text.replace('\n', "\r\n").as_bytes()).unwrap()
}

#[test]
fn offer_lists_codecs_in_order_with_dtmf_and_ptime() {
    assert_eq!(
        local().offer().to_text(),
        "v=0\r\no=- 4242 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP 0 8 18 3 101\r\n\
         a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n\
         a=rtpmap:3 GSM/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
         a=ptime:20\r\na=sendrecv\r\n"
    );
    let v6 = LocalMedia::new("2001:db8::5".parse().unwrap(), 5004)
        .offer()
        .to_text();
    assert!(
        v6.contains("c=IN IP6 2001:db8::5\r\n") && v6.contains("o=- 0 0 IN IP6 2001:db8::5\r\n")
    );
}

#[test]
fn answer_uses_the_trunks_first_codec() {
    let answer = sdp(
        "v=0\no=trunk 1 1 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n\
                      m=audio 30000 RTP/AVP 8 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=ptime:30\n",
    );
    let n = local().negotiate_answer(&answer).unwrap();
    // RFC 3264 section 7: the offerer sends with the first format of the
    // answer, so the trunk's PCMA wins over our preferred PCMU.
    assert_eq!((n.codec.name.as_str(), n.codec.payload_type), ("PCMA", 8));
    assert_eq!(n.dtmf_payload_type, Some(101));
    assert_eq!(
        n.remote_rtp,
        "203.0.113.5:30000".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        (n.remote_rtcp, n.ptime, n.remote_direction, n.remote_hold),
        (None, Some(30), Direction::SendRecv, false)
    );
}

#[test]
fn answer_formats_we_did_not_offer_are_skipped() {
    // G722 first (not ours), then GSM, then PCMU: GSM is the first we offered.
    let answer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n\
         m=audio 30000 RTP/AVP 9 3 0\n");
    let n = local().negotiate_answer(&answer).unwrap();
    assert_eq!((n.codec.name.as_str(), n.codec.payload_type), ("GSM", 3));
}

#[test]
fn an_offer_is_answered_with_its_first_codec_we_support() {
    // RFC 3264 section 6.1: keep the offerer's order; we answer with one
    // codec, the first offered one we support (PCMA, though we prefer PCMU).
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n\
         m=audio 30000 RTP/AVP 9 8 0 101\na=rtpmap:101 telephone-event/8000\n");
    let (answer, n) = local().answer(&offer).unwrap();
    assert_eq!(answer.media[0].formats, vec!["8", "101"]);
    assert_eq!(
        (n.codec.name.as_str(), n.dtmf_payload_type),
        ("PCMA", Some(101))
    );
}

#[test]
fn dynamic_payload_types_follow_rtpmap() {
    let answer = sdp(
        "v=0\no=- 1 1 IN IP4 203.0.113.5\ns=-\nt=0 0\nm=audio 30000 RTP/AVP 110 96\n\
                      c=IN IP4 198.51.100.7\na=rtpmap:110 gsm/8000\na=rtpmap:96 telephone-event/8000\n\
                      a=rtcp:30011 IN IP4 198.51.100.8\n",
    );
    let n = local().negotiate_answer(&answer).unwrap();
    assert_eq!((n.codec.name.as_str(), n.codec.payload_type), ("gsm", 110));
    assert_eq!(n.dtmf_payload_type, Some(96));
    assert_eq!(
        n.remote_rtp,
        "198.51.100.7:30000".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(n.remote_rtcp, Some("198.51.100.8:30011".parse().unwrap()));
    // G729 answered with its fmtp: the fmtp is passed on.
    let g729 = sdp(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP6 2001:db8::7\nt=0 0\nm=audio 7000 RTP/AVP 18\na=fmtp:18 annexb=yes\n",
    );
    let ours = LocalMedia {
        codecs: vec![Codec::g729()],
        telephone_event: None,
        ..local()
    };
    let n = ours.negotiate_answer(&g729).unwrap();
    assert_eq!(
        (
            n.codec.payload_type,
            n.codec.fmtp.as_deref(),
            n.dtmf_payload_type
        ),
        (18, Some("annexb=yes"), None)
    );
    assert_eq!(n.remote_rtp.ip(), "2001:db8::7".parse::<IpAddr>().unwrap());
}

#[test]
fn no_common_codec_is_a_clear_488() {
    let ours = LocalMedia {
        codecs: vec![Codec::pcmu(), Codec::g729()],
        ..local()
    };
    let answer = sdp(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\nm=audio 30000 RTP/AVP 9 101\na=rtpmap:101 telephone-event/8000\n",
    );
    let err = ours.negotiate_answer(&answer).unwrap_err();
    assert_eq!(
        err.to_string(),
        "488: no common codec: offered PCMU,G729, trunk answered G722"
    );
    assert_eq!(err.status(), StatusCode::NOT_ACCEPTABLE_HERE);
    let offer =
        sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\nm=audio 30000 RTP/AVP 9\n");
    assert_eq!(
        ours.answer(&offer).unwrap_err().to_string(),
        "488: no common codec: trunk offered G722, we support PCMU,G729"
    );
}

#[test]
fn rejected_or_missing_audio() {
    let zero =
        sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    assert_eq!(
        local().negotiate_answer(&zero),
        Err(SdpError::AudioRejected)
    );
    let video =
        sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\nm=video 5000 RTP/AVP 31\n");
    assert_eq!(local().negotiate_answer(&video), Err(SdpError::NoAudio));
    let no_c = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 5000 RTP/AVP 0\n");
    assert_eq!(
        local().negotiate_answer(&no_c),
        Err(SdpError::NoConnectionAddress)
    );
    assert_eq!(SdpError::NoAudio.status(), StatusCode::NOT_ACCEPTABLE_HERE);
}

#[test]
fn answer_keeps_every_offered_stream_and_rejects_the_others() {
    // RFC 3264 section 6: the answer has exactly as many m= lines as the
    // offer, in the same order; streams we do not take get port 0.
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n\
         m=video 5000 RTP/AVP 31\nm=audio 0 RTP/AVP 8\nm=audio 30000 RTP/AVP 0 101\n\
         a=rtpmap:101 telephone-event/8000\nm=application 6000 TCP/MSRP *\n");
    let (answer, n) = local().answer(&offer).unwrap();
    let lines: Vec<_> = answer
        .media
        .iter()
        .map(|m| (m.media.as_str(), m.port, m.proto.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("video", 0, "RTP/AVP"),
            ("audio", 0, "RTP/AVP"),
            ("audio", 40000, "RTP/AVP"),
            ("application", 0, "TCP/MSRP"),
        ]
    );
    assert!(answer.media.iter().all(|m| !m.formats.is_empty()));
    assert_eq!(answer.media[2].formats, vec!["0", "101"]);
    assert_eq!(
        n.remote_rtp,
        "203.0.113.5:30000".parse::<SocketAddr>().unwrap()
    );
    let reparsed = SessionDescription::parse(answer.to_text().as_bytes()).unwrap();
    assert_eq!(reparsed, answer);
    // The answer to our own offer is read from the same audio stream.
    assert_eq!(local().negotiate_answer(&offer).unwrap(), n);
}

#[test]
fn payload_types_above_127_are_not_rtp_formats() {
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n\
         m=audio 30000 RTP/AVP 200 0\na=rtpmap:200 PCMA/8000\n");
    let ours = LocalMedia {
        codecs: vec![Codec::pcma(), Codec::pcmu()],
        ..local()
    };
    let n = ours.negotiate_answer(&offer).unwrap();
    assert_eq!((n.codec.name.as_str(), n.codec.payload_type), ("PCMU", 0));
}

fn reoffer(direction: &str, address: &str) -> SessionDescription {
    sdp(&format!(
        "v=0\no=trunk 1 2 IN IP4 203.0.113.5\ns=-\nc=IN IP4 {address}\nt=0 0\nm=audio 30000 RTP/AVP 8 101\n\
         a=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n{direction}"
    ))
}

fn direction_of(answer: &SessionDescription) -> Vec<String> {
    answer.media[0]
        .attributes
        .iter()
        .filter(|a| ["sendrecv", "sendonly", "recvonly", "inactive"].contains(&a.name.as_str()))
        .map(|a| a.name.clone())
        .collect()
}

#[test]
fn answers_hold_and_resume_reoffers() {
    let l = LocalMedia {
        session_version: 2,
        ..local()
    };
    let cases = [
        ("a=sendonly\n", "203.0.113.5", "recvonly", true),
        ("a=inactive\n", "203.0.113.5", "inactive", true),
        ("", "0.0.0.0", "recvonly", true),
        ("a=sendrecv\n", "203.0.113.5", "sendrecv", false),
        ("a=recvonly\n", "203.0.113.5", "sendonly", false),
    ];
    for (dir, addr, expected, hold) in cases {
        let (answer, n) = l.answer(&reoffer(dir, addr)).unwrap();
        assert_eq!(
            direction_of(&answer),
            vec![expected.to_owned()],
            "{dir}{addr}"
        );
        assert_eq!(n.remote_hold, hold, "{dir}{addr}");
        // The codec the offer carries (PCMA) is answered with the offerer's numbering.
        assert_eq!(answer.media[0].formats, vec!["8", "101"]);
        assert_eq!(answer.origin.session_version, 2);
        assert_eq!(
            (n.codec.name.as_str(), n.dtmf_payload_type),
            ("PCMA", Some(101))
        );
    }
    // We hold: a sendonly answer to a sendrecv offer.
    let holding = LocalMedia {
        direction: Direction::SendOnly,
        ..local()
    };
    let (answer, _) = holding.answer(&reoffer("", "203.0.113.5")).unwrap();
    assert_eq!(direction_of(&answer), vec!["sendonly".to_owned()]);
    // Round trip of the answer we produce.
    assert_eq!(
        SessionDescription::parse(answer.to_text().as_bytes()).unwrap(),
        answer
    );
}

#[test]
fn parses_the_rfc_4475_bodies() {
    let body = "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.3\ns=-\nc=IN IP4 192.0.2.4\nt=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n";
    let s = sdp(body);
    assert_eq!(s.media.len(), 2);
    let n = local().negotiate_answer(&s).unwrap();
    assert_eq!(
        (n.codec.name.as_str(), n.remote_rtp.port()),
        ("PCMU", 49217)
    );
}

fn attribute() -> impl Strategy<Value = Attribute> {
    ("[a-z][a-z0-9-]{0,8}", proptest::option::of("[ -~]{0,20}"))
        .prop_map(|(name, value)| Attribute { name, value })
}

proptest! {
    #[test]
    fn offers_round_trip(
        ip in any::<u32>(),
        port in 1u16..,
        id in any::<u64>(),
        version in any::<u64>(),
        extra in proptest::collection::vec(attribute(), 0..4),
        te in proptest::option::of(96u8..128),
    ) {
        let mut l = LocalMedia::new(IpAddr::from(ip.to_be_bytes()), port);
        l.session_id = id;
        l.session_version = version;
        l.telephone_event = te;
        let mut offer = l.offer();
        offer.media[0].attributes.extend(extra);
        let parsed = SessionDescription::parse(offer.to_text().as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &offer);
        let n = l.negotiate_answer(&parsed).unwrap();
        prop_assert_eq!(n.codec.name.as_str(), "PCMU");
        prop_assert_eq!(n.dtmf_payload_type, te);
    }

    #[test]
    fn mutated_offers_never_panic_and_answers_parse(
        edits in proptest::collection::vec(
            (any::<proptest::sample::Index>(), 0u8..3, proptest::sample::select(&b" \r\n=:/0179amvc\xff"[..])),
            1..8,
        ),
    ) {
        let mut bytes = reoffer("a=sendonly\n", "203.0.113.5").to_text().into_bytes();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 if i < bytes.len() => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        if let Ok(s) = SessionDescription::parse(&bytes) {
            let _ = local().negotiate_answer(&s);
            if let Ok((answer, _)) = local().answer(&s) {
                prop_assert_eq!(answer.media.len(), s.media.len());
                let text = answer.to_text();
                prop_assert_eq!(SessionDescription::parse(text.as_bytes()).unwrap(), answer);
            }
            let printed = s.to_text();
            let again = SessionDescription::parse(printed.as_bytes()).unwrap();
            prop_assert_eq!(again.to_text(), printed);
        }
    }
}
