//! The trunk simulator's sans-IO core fed a script of datagrams (raw bytes,
//! or SIP requests built from templates with fuzzed fields, reusing the
//! tags the simulator answered with) and clock steps: it never panics, no
//! timer due is left unfired, every call that begins (an `invite` event)
//! ends at most once, and media starts at most once, only for a live call.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use dialer_api::sim::{CoreOutput, InviteAuth, SimConfig, SimCore, SimEvent};
use libfuzzer_sys::fuzz_target;
use sip_core::{Message, Response};

#[derive(Arbitrary, Debug)]
enum Step {
    Wait(u16),
    Raw(Vec<u8>),
    Invite { call: u8, branch: u8, sdp: bool, to_tag: bool },
    Ack { call: u8, branch: u8 },
    Cancel { call: u8, branch: u8 },
    Bye { call: u8, branch: u8 },
    Register { call: u8, branch: u8, expires: u16 },
    Options { branch: u8 },
}

#[derive(Arbitrary, Debug)]
struct Script {
    seed: u64,
    digest: bool,
    steps: Vec<Step>,
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 3 18 101\r\na=rtpmap:101 telephone-event/8000\r\n";

fn request(method: &str, call: u8, branch: u8, cseq_method: &str, to_tag: Option<&str>, body: &str) -> String {
    let tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    let content_type = if body.is_empty() { "" } else { "Content-Type: application/sdp\r\n" };
    format!(
        "{method} sip:+6012{call}@127.0.0.1:5070 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK{branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:uac@127.0.0.1>;tag=f{call}\r\n\
         To: <sip:+6012{call}@127.0.0.1>{tag}\r\nCall-ID: c{call}\r\nCSeq: 1 {cseq_method}\r\n\
         Contact: <sip:uac@127.0.0.1:5080>\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fuzz_target!(|script: Script| {
    let mut config = SimConfig::loopback();
    config.plan.seed = script.seed;
    if !script.digest {
        config.invite_auth = InviteAuth::Ip(vec!["127.0.0.1".parse().unwrap()]);
    }
    let local: SocketAddr = "127.0.0.1:5070".parse().unwrap();
    let caller: SocketAddr = "127.0.0.1:5080".parse().unwrap();
    let mut core = SimCore::new(config, local);
    let mut now = Instant::now();
    let mut tags: HashMap<String, String> = HashMap::new();
    // Calls between their `invite` event and their end, and those with media.
    let mut live: HashSet<String> = HashSet::new();
    let mut media: HashSet<String> = HashSet::new();
    for step in script.steps.iter().take(64) {
        let tag_of = |call: u8, tags: &HashMap<String, String>| tags.get(&format!("c{call}")).cloned();
        let data = match step {
            Step::Wait(ms) => {
                now += Duration::from_millis(u64::from(*ms) * 10);
                core.handle_timeout(now);
                // Every timer due by now has fired.
                assert!(core.poll_timeout().is_none_or(|d| d > now));
                None
            }
            Step::Raw(bytes) => Some(bytes.clone()),
            Step::Invite { call, branch, sdp, to_tag } => {
                let tag = if *to_tag { tag_of(*call, &tags) } else { None };
                let body = if *sdp { SDP } else { "" };
                Some(request("INVITE", *call, *branch, "INVITE", tag.as_deref(), body).into_bytes())
            }
            Step::Ack { call, branch } => {
                let tag = tag_of(*call, &tags);
                Some(request("ACK", *call, *branch, "ACK", tag.as_deref(), "").into_bytes())
            }
            Step::Cancel { call, branch } => {
                Some(request("CANCEL", *call, *branch, "CANCEL", None, "").into_bytes())
            }
            Step::Bye { call, branch } => {
                let tag = tag_of(*call, &tags);
                Some(request("BYE", *call, *branch, "BYE", tag.as_deref(), "").into_bytes())
            }
            Step::Register { call, branch, expires } => Some(
                request("REGISTER", *call, *branch, "REGISTER", None, "")
                    .replace("Content-Length", &format!("Expires: {expires}\r\nContent-Length"))
                    .into_bytes(),
            ),
            Step::Options { branch } => Some(request("OPTIONS", 0, *branch, "OPTIONS", None, "").into_bytes()),
        };
        if let Some(data) = data {
            core.handle_datagram(now, caller, Bytes::from(data));
        }
        while let Some(output) = core.poll_output() {
            match output {
                CoreOutput::Transmit { data, .. } => {
                    if let Ok(Message::Response(r)) = Message::parse(data) {
                        remember_tag(&r, &mut tags);
                    }
                }
                CoreOutput::OpenMedia { call_id } => {
                    core.media_opened(now, &call_id, Ok(30_000));
                }
                CoreOutput::Event(SimEvent::Invite { call_id, .. }) => {
                    assert!(live.insert(call_id), "a second call on a live Call-ID");
                }
                CoreOutput::StartMedia { call_id, .. } => {
                    assert!(live.contains(&call_id), "media for a call not in progress");
                    assert!(media.insert(call_id), "media started twice");
                }
                CoreOutput::EndCall(report) => {
                    assert!(live.remove(&report.call_id), "a call ended twice or never began");
                    media.remove(&report.call_id);
                }
                _ => {}
            }
        }
        // A call the core dropped without reporting its end would show here.
        assert!(live.len() <= core.active_calls(), "a call vanished without an end");
    }
});

fn remember_tag(response: &Response, tags: &mut HashMap<String, String>) {
    let (Ok(call_id), Ok(to)) = (response.headers.call_id(), response.headers.to()) else {
        return;
    };
    if let Some(tag) = to.tag() {
        tags.insert(call_id.as_str().to_owned(), tag.as_str().to_owned());
    }
}
