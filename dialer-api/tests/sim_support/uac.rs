//! A minimal SIP caller for the simulator tests, built on sip-core's
//! messages and digest client, over a real UDP socket, with an RTP/RTCP
//! socket pair for media.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::auth::DigestClient;
use sip_core::sdp::{Codec, LocalMedia};
use sip_core::transaction::ack_for_non_2xx;
use sip_core::{
    HeaderName, Message, Method, NameAddr, Request, Response, SipUri, StatusCode, Transport, Uri,
    Via,
};
use tokio::net::UdpSocket;

/// How long any single expected message may take.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A caller with one dialog at a time.
pub struct Uac {
    /// The SIP socket.
    pub sip: UdpSocket,
    /// The simulator.
    pub sim: SocketAddr,
    /// Our SIP address.
    pub local: SocketAddr,
    /// The Call-ID of the current call.
    pub call_id: String,
    /// Our From tag.
    pub from_tag: String,
    /// RTP socket.
    pub rtp: UdpSocket,
    /// RTCP socket (RTP port + 1).
    pub rtcp: UdpSocket,
    branches: u32,
    auth: DigestClient,
    rng: ChaCha8Rng,
}

/// Binds an RTP socket on an even port with RTCP on the next one.
async fn media_pair() -> (UdpSocket, UdpSocket) {
    for _ in 0..100 {
        let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = rtp.local_addr().unwrap().port();
        if port % 2 == 1 {
            continue;
        }
        if let Ok(rtcp) = UdpSocket::bind(("127.0.0.1", port + 1)).await {
            return (rtp, rtcp);
        }
    }
    panic!("no RTP port pair");
}

impl Uac {
    /// A caller talking to `sim` with the account `user` / `password`.
    pub async fn new(sim: SocketAddr, user: &str, password: &str) -> Uac {
        let sip = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let local = sip.local_addr().unwrap();
        let (rtp, rtcp) = media_pair().await;
        Uac {
            sip,
            sim,
            local,
            call_id: format!("{}@uac.test", local.port()),
            from_tag: format!("uac{}", local.port()),
            rtp,
            rtcp,
            branches: 0,
            auth: DigestClient::new(user, password),
            rng: ChaCha8Rng::seed_from_u64(u64::from(local.port())),
        }
    }

    /// Starts a new call (fresh Call-ID and tag).
    pub fn new_call(&mut self, name: &str) {
        self.call_id = format!("{name}-{}@uac.test", self.local.port());
        self.from_tag = format!("{name}{}", self.local.port());
    }

    /// Our RTP address.
    pub fn rtp_addr(&self) -> SocketAddr {
        self.rtp.local_addr().unwrap()
    }

    fn branch(&mut self) -> String {
        self.branches += 1;
        format!("z9hG4bKuac{}x{}", self.local.port(), self.branches)
    }

    fn via(&mut self) -> Via {
        let branch = self.branch();
        Via::new(
            Transport::Udp,
            self.local.ip(),
            Some(self.local.port()),
            &branch,
        )
        .with_rport()
    }

    fn from(&self) -> NameAddr {
        NameAddr::new(SipUri::new(self.local.ip()).with_user("uac")).with_tag(&self.from_tag)
    }

    /// An SDP offer of `codecs` at our RTP port.
    pub fn offer(&self, codecs: &[Codec], direction: &str) -> String {
        let mut local = LocalMedia::new(self.rtp_addr().ip(), self.rtp_addr().port());
        local.codecs = codecs.to_vec();
        let text = local.offer().to_text();
        text.replace("a=sendrecv", &format!("a={direction}"))
    }

    /// An INVITE to `number` (no To tag) with `sdp` as the body.
    pub fn invite(&mut self, number: &str, cseq: u32, sdp: Option<&str>) -> Request {
        let uri = SipUri::new(self.sim.ip())
            .with_user(number)
            .with_port(self.sim.port());
        let via = self.via();
        let mut b = Request::builder(Method::Invite, uri.clone())
            .via(via)
            .max_forwards(70)
            .from(self.from())
            .to(NameAddr::new(uri))
            .call_id(self.call_id.as_str())
            .cseq(cseq)
            .contact(NameAddr::new(
                SipUri::new(self.local.ip())
                    .with_user("uac")
                    .with_port(self.local.port()),
            ));
        if let Some(sdp) = sdp {
            b = b.body("application/sdp", sdp.as_bytes().to_vec());
        }
        b.build()
    }

    /// `request` again with a new branch, CSeq and credentials for the
    /// challenge in `challenge`.
    pub fn authorized(&mut self, request: &Request, challenge: &Response, cseq: u32) -> Request {
        self.auth
            .handle_challenge(self.sim, request, challenge)
            .unwrap();
        let mut again = request.clone();
        again.headers.remove(&HeaderName::Via);
        again.headers.push_front(
            HeaderName::Via,
            sip_core::HeaderValue::to_value(&self.via()),
        );
        again.headers.set(
            HeaderName::CSeq,
            format!("{cseq} {}", request.method.as_str()),
        );
        self.auth.authorize(self.sim, &mut again, &mut self.rng);
        again
    }

    /// A request in the dialog that `answer` established (`method` with CSeq `cseq`).
    pub fn in_dialog(&mut self, method: Method, answer: &Response, cseq: u32) -> Request {
        let target: Uri = answer
            .headers
            .contacts()
            .unwrap()
            .first()
            .and_then(|c| c.addr().map(|a| a.uri.clone()))
            .expect("Contact in the answer");
        let via = self.via();
        Request::builder(method, target)
            .via(via)
            .max_forwards(70)
            .from(self.from())
            .to(answer.headers.to().unwrap())
            .call_id(self.call_id.as_str())
            .cseq(cseq)
            .build()
    }

    /// The ACK of a 2xx.
    pub fn ack_2xx(&mut self, answer: &Response) -> Request {
        let cseq = answer.headers.cseq().unwrap().seq;
        let mut ack = self.in_dialog(Method::Ack, answer, cseq);
        ack.headers.set(HeaderName::CSeq, format!("{cseq} ACK"));
        ack
    }

    /// The ACK of a non-2xx final response to `invite`.
    pub fn ack_non_2xx(invite: &Request, response: &Response) -> Request {
        ack_for_non_2xx(invite, response)
    }

    /// Sends a request.
    pub async fn send(&self, request: &Request) {
        self.sip
            .send_to(&request.to_bytes(), self.sim)
            .await
            .unwrap();
    }

    /// Sends a response to a request from the simulator.
    pub async fn reply(&self, request: &Request, status: StatusCode) {
        let resp = Response::for_request(request, status, status.canonical_reason());
        self.sip.send_to(&resp.to_bytes(), self.sim).await.unwrap();
    }

    /// The next SIP message within `within`, if any.
    pub async fn recv_within(&self, within: Duration) -> Option<Message> {
        let mut buf = vec![0u8; 65_536];
        let (n, _) = tokio::time::timeout(within, self.sip.recv_from(&mut buf))
            .await
            .ok()?
            .ok()?;
        Some(Message::parse(Bytes::copy_from_slice(&buf[..n])).expect("SIP from the simulator"))
    }

    /// The next response, skipping provisional ones unless `status` is one.
    pub async fn expect(&self, status: u16) -> Response {
        loop {
            match self.recv_within(PATIENCE).await {
                Some(Message::Response(r)) if r.status.as_u16() == status => return r,
                Some(Message::Response(r)) if r.status.is_provisional() => continue,
                other => panic!("expected {status}, got {other:?}"),
            }
        }
    }

    /// The next request from the simulator.
    pub async fn expect_request(&self, method: Method, within: Duration) -> Request {
        match self.recv_within(within).await {
            Some(Message::Request(r)) if r.method == method => r,
            other => panic!("expected {method:?}, got {other:?}"),
        }
    }

    /// INVITE, the 407 challenge and its ACK, the INVITE again with
    /// credentials; returns the authorized INVITE (sent).
    pub async fn invite_with_auth(&mut self, number: &str, sdp: &str) -> Request {
        let first = self.invite(number, 1, Some(sdp));
        self.send(&first).await;
        let challenge = self.expect(407).await;
        self.send(&Uac::ack_non_2xx(&first, &challenge)).await;
        let second = self.authorized(&first, &challenge, 2);
        self.send(&second).await;
        second
    }
}
