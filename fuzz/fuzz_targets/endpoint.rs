//! The SIP endpoint fed arbitrary datagrams, replies to its own requests
//! with arbitrary statuses, headers and bodies, in-dialog requests, commands
//! and time jumps. It must never panic, never leave a due timer unhandled,
//! and keep its state bounded (calls, transactions, the dialog index, the
//! transaction owners and the digest challenge cache).
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::endpoint::{
    Account, CallHandle, Command, Endpoint, EndpointConfig, Input, InviteRequest, Output, Proxy,
};
use sip_core::sdp::LocalMedia;
use sip_core::{HeaderName, Message, Request, Response, StatusCode};

const EP: &str = "10.0.0.2:5060";
const PROXIES: [&str; 2] = ["192.0.2.1:5060", "192.0.2.2:5060"];

#[derive(Arbitrary, Debug)]
enum Cmd {
    Register,
    Unregister,
    Invite(u8),
    Cancel(u8),
    Bye(u8),
    Hangup(u8),
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// Raw bytes from a proxy or a stranger.
    Datagram {
        from: u8,
        data: Vec<u8>,
    },
    /// A response to the last request the endpoint sent.
    Reply {
        status: u16,
        tag: u8,
        extra: Vec<u8>,
        sdp: bool,
        body: Vec<u8>,
    },
    /// A request inside the dialog of the last INVITE the endpoint sent.
    InDialog {
        method: u8,
        seq: u16,
        tag: u8,
        extra: Vec<u8>,
        body: Vec<u8>,
    },
    /// Time passes (in 10 ms steps).
    Advance(u16),
    Command(Cmd),
    TransportError(u8),
}

struct Harness {
    ep: Endpoint,
    now: Instant,
    last_request: Option<Request>,
    last_invite: Option<Request>,
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("constant address")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\r', "")
}

impl Harness {
    fn new() -> Harness {
        let account = Account {
            username: "dialer".into(),
            auth_username: None,
            password: "pw".into(),
            proxies: PROXIES
                .iter()
                .enumerate()
                .map(|(i, p)| Proxy::new(addr(p), format!("sip{}.example.com", i + 1)))
                .collect(),
            display_name: Some("Fuzz".into()),
            caller_id: Some("+60123456789".into()),
        };
        let mut config = EndpointConfig::new(addr(EP), account);
        config.max_server_transactions = 64;
        config.registration.keepalive = Some(Duration::from_secs(20));
        let now = Instant::now();
        let ep = Endpoint::new(config, ChaCha8Rng::seed_from_u64(1), now).expect("valid config");
        Harness {
            ep,
            now,
            last_request: None,
            last_invite: None,
        }
    }

    fn drain(&mut self) {
        while let Some(o) = self.ep.poll_output() {
            match o {
                Output::Transmit(t) => {
                    if let Ok(Message::Request(r)) = Message::parse(t.data) {
                        if r.method == sip_core::Method::Invite
                            && !r.headers.to().is_ok_and(|t| t.tag().is_some())
                        {
                            self.last_invite = Some(r.clone());
                        }
                        self.last_request = Some(r);
                    }
                }
                Output::Event(_) => {}
                Output::Timeout(_) => break,
            }
        }
    }

    fn receive(&mut self, from: SocketAddr, data: Vec<u8>) {
        let now = self.now;
        self.ep
            .handle_input(Input::Receive {
                now,
                from,
                data: Bytes::from(data),
            })
            .expect("receiving never fails");
    }

    fn run(&mut self, op: Op) {
        match op {
            Op::Datagram { from, data } => {
                let from = match from % 3 {
                    0 => addr(PROXIES[0]),
                    1 => addr(PROXIES[1]),
                    _ => addr("198.51.100.9:5060"),
                };
                self.receive(from, data);
            }
            Op::Reply {
                status,
                tag,
                extra,
                sdp,
                body,
            } => {
                let Some(req) = self.last_request.clone() else {
                    return;
                };
                let status = StatusCode::new(100 + status % 600).expect("in range");
                let mut resp = Response::for_request(&req, status, "Fuzz");
                if status.as_u16() > 100 {
                    let _ = resp.set_to_tag(&format!("t{}", tag % 4));
                }
                let mut wire = resp.to_bytes().to_vec();
                wire.truncate(wire.len().saturating_sub(2));
                wire.extend_from_slice(text(&extra).replace('\n', "\r\n").as_bytes());
                if !extra.is_empty() {
                    wire.extend_from_slice(b"\r\n");
                }
                if sdp {
                    wire.extend_from_slice(b"Content-Type: application/sdp\r\n");
                }
                wire.extend_from_slice(b"\r\n");
                wire.extend_from_slice(&body);
                let wire = String::from_utf8_lossy(&wire)
                    .replace(
                        "Content-Length: 0\r\n",
                        &format!("Content-Length: {}\r\n", body.len()),
                    )
                    .into_bytes();
                let from = addr(PROXIES[usize::from(tag) % 2]);
                self.receive(from, wire);
            }
            Op::InDialog {
                method,
                seq,
                tag,
                extra,
                body,
            } => {
                let Some(inv) = self.last_invite.clone() else {
                    return;
                };
                let method = [
                    "BYE", "INVITE", "UPDATE", "OPTIONS", "INFO", "ACK", "CANCEL", "NOTIFY",
                ][usize::from(method) % 8];
                let from_tag = inv
                    .headers
                    .from()
                    .ok()
                    .and_then(|f| f.tag().map(|t| t.to_string()))
                    .unwrap_or_default();
                let call_id = inv
                    .headers
                    .get(&HeaderName::CallId)
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                let mut wire = format!(
                    "{method} sip:dialer@10.0.0.2 SIP/2.0\r\n\
                     Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKf{seq}{tag};rport\r\n\
                     From: <sip:uas@192.0.2.1>;tag=t{}\r\n\
                     To: <sip:dialer@10.0.0.2>;tag={from_tag}\r\n\
                     Call-ID: {call_id}\r\n\
                     CSeq: {seq} {method}\r\n\
                     Contact: <sip:uas@192.0.2.1>\r\n",
                    tag % 4
                );
                let extra = text(&extra);
                if !extra.is_empty() {
                    wire.push_str(&extra.replace('\n', "\r\n"));
                    wire.push_str("\r\n");
                }
                if !body.is_empty() {
                    wire.push_str("Content-Type: application/sdp\r\n");
                }
                wire.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                let mut bytes = wire.into_bytes();
                bytes.extend_from_slice(&body);
                self.receive(addr(PROXIES[0]), bytes);
            }
            Op::Advance(steps) => {
                self.now += Duration::from_millis(u64::from(steps) * 10);
                let now = self.now;
                self.ep
                    .handle_input(Input::Timeout(now))
                    .expect("timeouts never fail");
                assert!(
                    self.ep.poll_timeout().is_none_or(|t| t > now),
                    "a timer due now was left unhandled"
                );
            }
            Op::Command(cmd) => {
                let now = self.now;
                let command = match cmd {
                    Cmd::Register => Command::Register,
                    Cmd::Unregister => Command::Unregister,
                    Cmd::Invite(h) => Command::Invite {
                        call: CallHandle(u64::from(h % 8)),
                        request: InviteRequest::new(
                            format!("+1555{h}"),
                            LocalMedia::new("10.0.0.2".parse().expect("ip"), 20000),
                        ),
                    },
                    Cmd::Cancel(h) => Command::Cancel {
                        call: CallHandle(u64::from(h % 8)),
                    },
                    Cmd::Bye(h) => Command::Bye {
                        call: CallHandle(u64::from(h % 8)),
                    },
                    Cmd::Hangup(h) => Command::Hangup {
                        call: CallHandle(u64::from(h % 8)),
                    },
                };
                // Commands may be refused (wrong state); they must not panic.
                let _ = self.ep.handle_input(Input::Command { now, command });
            }
            Op::TransportError(i) => {
                let now = self.now;
                let to = addr(PROXIES[usize::from(i) % 2]);
                self.ep
                    .handle_input(Input::TransportError { now, to })
                    .expect("transport errors never fail");
            }
        }
        self.drain();
        let stats = self.ep.stats();
        assert!(stats.calls <= 8, "{stats:?}");
        assert!(stats.transactions <= 64 + 8 * 16 + 8, "{stats:?}");
        assert_eq!(stats.queued_outputs, 0);
        assert!(stats.dialogs <= stats.calls, "{stats:?}");
        assert!(
            stats.transaction_owners <= stats.transactions,
            "{stats:?}"
        );
        assert!(
            stats.cached_challenges <= sip_core::auth::MAX_CACHED_CHALLENGES,
            "{stats:?}"
        );
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut h = Harness::new();
    for op in ops.into_iter().take(256) {
        h.run(op);
    }
});
