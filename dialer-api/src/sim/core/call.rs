//! One call the simulator handles as UAS: its state, and the in-dialog
//! requests it sends (BYE).

use std::net::SocketAddr;
use std::time::Instant;

use sip_core::sdp::{Codec as SdpCodec, SessionDescription};
use sip_core::transaction::TransactionId;
use sip_core::{HeaderName, Method, ParseError, Request, Transport, Uri, Via};

use crate::sim::event::CallEnd;
use crate::sim::outcome::Prediction;

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// 180 sent; waiting for the ring time (or the caller's CANCEL).
    Ringing,
    /// The driver is opening the RTP sockets.
    OpeningMedia,
    /// 200 OK sent; audio flowing.
    Answered,
    /// BYE sent; waiting for its response.
    Ending,
}

/// The one application timer a call can have at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum CallTimer {
    /// The ring time is over: answer.
    Answer,
    /// Nobody will answer: 480.
    GiveUp,
    /// The talk time is over: BYE.
    HangUp,
}

/// A call from its INVITE to its end.
#[derive(Debug)]
pub(super) struct Call {
    pub(super) call_id: String,
    pub(super) number: String,
    pub(super) prediction: Prediction,
    pub(super) invite: Request,
    pub(super) invite_tx: TransactionId,
    pub(super) source: SocketAddr,
    pub(super) local_tag: String,
    pub(super) offer: SessionDescription,
    pub(super) started: Instant,
    pub(super) answered: Option<Instant>,
    pub(super) acked: bool,
    pub(super) phase: Phase,
    pub(super) deadline: Option<(Instant, CallTimer)>,
    pub(super) local_cseq: u32,
    pub(super) rtp_port: u16,
    pub(super) sdp_version: u64,
    /// The codec in use once answered (re-INVITEs keep it).
    pub(super) codec: Option<SdpCodec>,
    /// The server transaction of a re-INVITE waiting for its ACK.
    pub(super) reinvite_tx: Option<TransactionId>,
    /// Set once the end has been reported.
    pub(super) ended: Option<CallEnd>,
}

impl Call {
    /// The remote party's tag (the From tag of its INVITE).
    pub(super) fn remote_tag(&self) -> Option<String> {
        self.invite
            .headers
            .from()
            .ok()
            .and_then(|f| f.tag().map(|t| t.as_str().to_owned()))
    }

    /// Whether `request` belongs to this call's dialog (From tag is the
    /// caller's, To tag ours).
    pub(super) fn in_dialog(&self, request: &Request) -> bool {
        let to_tag = request
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(|t| t.as_str().to_owned()));
        let from_tag = request
            .headers
            .from()
            .ok()
            .and_then(|f| f.tag().map(|t| t.as_str().to_owned()));
        to_tag.as_deref() == Some(self.local_tag.as_str()) && from_tag == self.remote_tag()
    }

    /// A BYE for this dialog (RFC 3261 12.2.1.1 from the UAS side) and where
    /// to send it: the first Record-Route, else the caller's Contact when it
    /// is an IP address, else where the INVITE came from.
    pub(super) fn bye(
        &mut self,
        local: SocketAddr,
        branch: &str,
    ) -> Result<(Request, SocketAddr), ParseError> {
        let h = &self.invite.headers;
        let routes = h.record_routes()?;
        let contact = h
            .contacts()?
            .into_iter()
            .find_map(|c| c.addr().map(|a| a.uri.clone()));
        let target = contact.clone().unwrap_or_else(|| self.invite.uri.clone());
        let destination = routes
            .first()
            .map(|r| &r.uri)
            .or(contact.as_ref())
            .and_then(uri_address)
            .unwrap_or(self.source);
        let from = h.to()?.with_tag(&self.local_tag);
        let to = h.from()?;
        self.local_cseq += 1;
        let mut builder = Request::builder(Method::Bye, target)
            .via(Via::new(Transport::Udp, local.ip(), Some(local.port()), branch).with_rport())
            .max_forwards(70)
            .from(from)
            .to(to)
            .call_id(self.call_id.as_str())
            .cseq(self.local_cseq);
        for route in routes {
            builder = builder.route(route);
        }
        let bye = builder
            .header(HeaderName::UserAgent, super::USER_AGENT)
            .build();
        Ok((bye, destination))
    }
}

/// The UDP address of a SIP URI with an IP host (port 5060 by default).
fn uri_address(uri: &Uri) -> Option<SocketAddr> {
    let sip = uri.as_sip()?;
    Some(SocketAddr::new(sip.host.ip()?, sip.port.unwrap_or(5060)))
}

/// The dialed number: the user part of a SIP Request-URI, or a tel number.
pub(super) fn dialed_number(uri: &Uri) -> String {
    match uri {
        Uri::Sip(sip) => sip
            .user_unescaped()
            .map(|u| String::from_utf8_lossy(&u).into_owned())
            .unwrap_or_default(),
        Uri::Tel(tel) => tel.digits(),
        Uri::Other { .. } => String::new(),
    }
}
