//! The offer/answer state of one call: what we offered, what was agreed,
//! and the `o=` version of every SDP we send (RFC 3264 8: it goes up by one
//! exactly when the description changes).

use std::net::IpAddr;

use bytes::Bytes;

use crate::message::Headers;
use crate::sdp::{LocalMedia, NegotiatedMedia, SdpError, SessionDescription};

/// The SDP body of a message, if it has one.
pub(crate) fn sdp_body<'a>(headers: &Headers, body: &'a Bytes) -> Option<&'a Bytes> {
    let is_sdp = headers
        .content_type()
        .ok()
        .flatten()
        .is_some_and(|t| t.is("application/sdp"));
    (is_sdp && !body.is_empty()).then_some(body)
}

#[derive(Clone, Debug)]
pub(crate) struct MediaState {
    pub(crate) local: LocalMedia,
    last_sent: Option<SessionDescription>,
    /// What was agreed last (the answer to our offer, or our answer to theirs).
    pub(crate) negotiated: Option<NegotiatedMedia>,
}

impl MediaState {
    pub(crate) fn new(local: LocalMedia) -> MediaState {
        MediaState {
            local,
            last_sent: None,
            negotiated: None,
        }
    }

    /// Puts our public address in `c=` and `o=`.
    pub(crate) fn set_address(&mut self, ip: IpAddr) {
        self.local.address = ip;
    }

    /// Gives `sdp` the version it must carry and remembers it as sent.
    fn versioned(&mut self, mut sdp: SessionDescription) -> Bytes {
        if let Some(last) = &self.last_sent {
            let mut same = sdp.clone();
            same.origin.session_version = last.origin.session_version;
            sdp.origin.session_version = if same == *last {
                last.origin.session_version
            } else {
                last.origin.session_version.wrapping_add(1)
            };
        }
        self.local.session_version = sdp.origin.session_version;
        let text = Bytes::from(sdp.to_text());
        self.last_sent = Some(sdp);
        text
    }

    /// Our offer (the INVITE's, a re-INVITE's, or one in a 2xx to an
    /// offer-less re-INVITE).
    pub(crate) fn offer(&mut self) -> Bytes {
        let sdp = self.local.offer();
        self.versioned(sdp)
    }

    /// Reads the answer to our offer.
    pub(crate) fn read_answer(&self, body: &[u8]) -> Result<NegotiatedMedia, SdpError> {
        let sdp = SessionDescription::parse(body)?;
        self.local.negotiate_answer(&sdp)
    }

    /// Answers the peer's offer; the answer body and what was agreed.
    pub(crate) fn answer(&mut self, body: &[u8]) -> Result<(Bytes, NegotiatedMedia), SdpError> {
        let offer = SessionDescription::parse(body)?;
        let (answer, agreed) = self.local.answer(&offer)?;
        Ok((self.versioned(answer), agreed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_goes_up_only_on_change() {
        let mut m = MediaState::new(LocalMedia::new("10.0.0.1".parse().unwrap(), 4000));
        let first = m.offer();
        assert_eq!(m.offer(), first, "same description, same version");
        m.set_address("203.0.113.7".parse().unwrap());
        let moved = SessionDescription::parse(&m.offer()).unwrap();
        assert_eq!(moved.origin.session_version, 1);
        assert_eq!(
            SessionDescription::parse(&first)
                .unwrap()
                .origin
                .session_version,
            0
        );
    }
}
