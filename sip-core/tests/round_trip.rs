//! Property tests: printing a message and parsing it back gives the same
//! message, and typed header values survive the trip.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use sip_core::{
    ByteStr, CSeq, HeaderName, HeaderValue, Host, Message, Method, NameAddr, Request, Response,
    SipUri, StatusCode, Transport, Via,
};

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}".prop_map(|d| Host::Domain(ByteStr::from(d))),
        any::<u32>().prop_map(|a| Host::Ipv4(Ipv4Addr::from(a))),
        any::<u128>().prop_map(|a| Host::Ipv6(Ipv6Addr::from(a))),
    ]
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!%*_+`'~-]{1,12}"
}

fn sip_uri() -> impl Strategy<Value = SipUri> {
    (
        proptest::option::of(any::<String>().prop_filter("non-empty", |s| !s.is_empty())),
        host(),
        proptest::option::of(any::<u16>()),
        proptest::collection::vec(
            ("[a-z][a-z0-9]{0,6}", proptest::option::of("[a-z0-9.]{1,8}")),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(user, host, port, params, secure)| {
            let mut u = SipUri::new(host);
            u.secure = secure;
            if let Some(user) = user {
                u = u.with_user(&user);
            }
            u.port = port;
            for (name, value) in params {
                u = u.with_param(&name, value.as_deref());
            }
            u
        })
}

fn display_name() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(any::<String>().prop_map(|s| s.replace(['\r', '\n'], "")))
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (sip_uri(), display_name(), proptest::option::of(token())).prop_map(|(uri, name, tag)| {
        let mut a = NameAddr::new(uri);
        if let Some(n) = name {
            a = a.with_display_name(&n);
        }
        if let Some(t) = tag {
            a = a.with_tag(&t);
        }
        a
    })
}

fn via() -> impl Strategy<Value = Via> {
    (
        prop_oneof![
            Just(Transport::Udp),
            Just(Transport::Tcp),
            Just(Transport::Tls),
            Just(Transport::Ws)
        ],
        host(),
        proptest::option::of(any::<u16>()),
        token(),
        any::<bool>(),
    )
        .prop_map(|(t, host, port, branch, rport)| {
            let v = Via::new(t, host, port, &format!("z9hG4bK{branch}"));
            if rport { v.with_rport() } else { v }
        })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Register),
        Just(Method::Bye),
        Just(Method::Options),
        token().prop_map(|t| t.parse::<Method>().unwrap_or(Method::Info)),
    ]
}

fn extra_value() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| {
        s.replace(['\r', '\n'], " ")
            .trim_matches([' ', '\t'])
            .to_owned()
    })
}

prop_compose! {
    fn request()(
        method in method(),
        uri in sip_uri(),
        vias in proptest::collection::vec(via(), 1..4),
        from in name_addr(),
        to in name_addr(),
        call_id in "[A-Za-z0-9.!%*_+`'~()<>:\\\\\"/\\[\\]?{}-]{1,20}(@[a-z0-9.]{1,10})?",
        seq in any::<u32>(),
        max_forwards in any::<u8>(),
        contact in name_addr(),
        extra in proptest::collection::vec((token(), extra_value()), 0..4),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
    ) -> (Request, Vec<Via>, NameAddr, NameAddr, NameAddr) {
        let mut b = Request::builder(method, uri);
        for v in &vias {
            b = b.via(v.clone());
        }
        b = b.from(from.clone()).to(to.clone()).call_id(call_id).cseq(seq).max_forwards(max_forwards).contact(contact.clone());
        for (name, value) in extra {
            b = b.header(HeaderName::new(&format!("X-{name}")), value);
        }
        if let Some(body) = body {
            b = b.body("application/octet-stream", body);
        }
        (b.build(), vias, from, to, contact)
    }
}

proptest! {
    #[test]
    fn request_round_trips((req, vias, from, to, contact) in request()) {
        let parsed = Message::parse(req.to_bytes()).expect("printed request parses");
        let Message::Request(parsed) = parsed else { panic!("parsed as a response") };
        prop_assert_eq!(&parsed, &req);
        prop_assert_eq!(parsed.headers.vias().unwrap(), vias);
        prop_assert_eq!(parsed.headers.from().unwrap(), from);
        prop_assert_eq!(parsed.headers.to().unwrap(), to);
        let contacts = parsed.headers.contacts().unwrap();
        prop_assert_eq!(contacts.first().and_then(|c| c.addr()), Some(&contact));
        prop_assert_eq!(parsed.headers.cseq().unwrap(), CSeq::new(req.headers.cseq().unwrap().seq, req.method.clone()));
    }

    #[test]
    fn response_round_trips((req, ..) in request(), code in 100u16..700, reason in extra_value(), tag in token()) {
        let status = StatusCode::new(code).unwrap();
        let mut resp = Response::for_request(&req, status, &reason);
        resp.set_to_tag(&tag).unwrap();
        let parsed = Response::parse(resp.to_bytes()).expect("printed response parses");
        prop_assert_eq!(&parsed, &resp);
        prop_assert_eq!(parsed.headers.vias().unwrap(), req.headers.vias().unwrap());
        let to = parsed.headers.to().unwrap();
        let expected_tag = req.headers.to().unwrap().tag().cloned().unwrap_or_else(|| ByteStr::from(tag.as_str()));
        prop_assert_eq!(to.tag(), Some(&expected_tag));
    }

    #[test]
    fn mutated_messages_never_panic_and_reprint_stably(
        (req, ..) in request(),
        edits in proptest::collection::vec(
            (any::<proptest::sample::Index>(), 0u8..3, proptest::sample::select(&b" \t\r\n:;,<>\"\\@[]=%\x00\xffaZ9"[..])),
            1..8,
        ),
    ) {
        let mut bytes = req.to_bytes().to_vec();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 if i < bytes.len() => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        if let Ok(m) = Message::parse(bytes) {
            let h = m.headers();
            let _ = (h.vias(), h.from(), h.to(), h.cseq(), h.contacts(), h.call_id(), h.routes());
            let again = Message::parse(m.to_bytes()).expect("a printed message parses");
            prop_assert_eq!(again, m);
        }
    }

    #[test]
    fn name_addr_round_trips(a in name_addr()) {
        prop_assert_eq!(NameAddr::parse_value(&a.to_value()).unwrap(), a);
    }
}
