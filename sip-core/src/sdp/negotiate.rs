//! Offer/answer for one audio stream (RFC 3264).

use std::net::{IpAddr, SocketAddr};

use super::{Attribute, Codec, Connection, MediaDescription, Origin, SdpError, SessionDescription};

/// Media direction attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Send and receive.
    SendRecv,
    /// Send only (the other side holds the call when it offers this).
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_parts(send: bool, recv: bool) -> Direction {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the side declaring this direction sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the side declaring this direction receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The direction to answer an offer with, given what we want: we send
    /// only if the offerer receives, and receive only if it sends.
    pub fn answer_to(self, offered: Direction) -> Direction {
        Direction::from_parts(
            self.sends() && offered.receives(),
            self.receives() && offered.sends(),
        )
    }

    /// The declared direction of a media section (media-level attribute,
    /// else session-level, else sendrecv).
    fn of(sdp: &SessionDescription, m: &MediaDescription) -> Direction {
        let find = |attrs: &[Attribute]| {
            attrs.iter().find_map(|a| match a.name.as_str() {
                "sendrecv" => Some(Direction::SendRecv),
                "sendonly" => Some(Direction::SendOnly),
                "recvonly" => Some(Direction::RecvOnly),
                "inactive" => Some(Direction::Inactive),
                _ => None,
            })
        };
        find(&m.attributes)
            .or_else(|| find(&sdp.attributes))
            .unwrap_or(Direction::SendRecv)
    }
}

/// What we offer or answer with: our address, port, codecs in preference
/// order, DTMF and packetisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalMedia {
    /// Address for `c=` and `o=` (our public address when behind NAT).
    pub address: IpAddr,
    /// RTP port.
    pub port: u16,
    /// Codecs in preference order (telephone-event not included).
    pub codecs: Vec<Codec>,
    /// Payload type for RFC 4733 telephone-event (events 0-16), if offered.
    pub telephone_event: Option<u8>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// The direction we want (sendrecv; sendonly or inactive to hold).
    pub direction: Direction,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version: increment for every new offer or answer.
    pub session_version: u64,
    /// `o=` user name.
    pub username: String,
}

impl LocalMedia {
    /// PCMU, PCMA, G729 (annexb=no), GSM, telephone-event on 101, 20 ms,
    /// sendrecv, at `address:port`.
    pub fn new(address: IpAddr, port: u16) -> LocalMedia {
        LocalMedia {
            address,
            port,
            codecs: vec![Codec::pcmu(), Codec::pcma(), Codec::g729(), Codec::gsm()],
            telephone_event: Some(101),
            ptime: Some(20),
            direction: Direction::SendRecv,
            session_id: 0,
            session_version: 0,
            username: "-".into(),
        }
    }

    fn codec_names(&self) -> String {
        self.codecs
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn session(&self, media: Vec<MediaDescription>) -> SessionDescription {
        let conn = Connection::from_ip(self.address);
        SessionDescription {
            origin: Origin {
                username: self.username.clone(),
                session_id: self.session_id,
                session_version: self.session_version,
                addr_type: conn.addr_type.clone(),
                address: conn.address.clone(),
            },
            session_name: "-".into(),
            connection: Some(conn),
            times: vec!["0 0".into()],
            other_lines: Vec::new(),
            attributes: Vec::new(),
            media,
        }
    }

    fn audio_section(&self, codecs: &[Codec], direction: Direction) -> MediaDescription {
        let mut attributes = Vec::new();
        for c in codecs {
            attributes.push(Attribute::new("rtpmap", c.rtpmap()));
            if let Some(f) = &c.fmtp {
                attributes.push(Attribute::new("fmtp", format!("{} {f}", c.payload_type)));
            }
        }
        if let Some(p) = self.ptime {
            attributes.push(Attribute::new("ptime", p.to_string()));
        }
        attributes.push(Attribute::flag(direction.as_str()));
        MediaDescription {
            media: "audio".into(),
            port: self.port,
            port_count: None,
            proto: "RTP/AVP".into(),
            formats: codecs.iter().map(|c| c.payload_type.to_string()).collect(),
            connection: None,
            other_lines: Vec::new(),
            attributes,
        }
    }

    /// Our offer: every codec with `a=rtpmap` (and `a=fmtp` where it has
    /// parameters), telephone-event, ptime and direction.
    pub fn offer(&self) -> SessionDescription {
        let mut codecs = self.codecs.clone();
        if let Some(pt) = self.telephone_event {
            codecs.push(Codec::telephone_event(pt));
        }
        self.session(vec![self.audio_section(&codecs, self.direction)])
    }

    /// Reads the answer to our offer: the first codec in the answer's order
    /// that we offered (RFC 3264 section 7: the offerer sends with the first
    /// format the answer lists, so the answerer's preference wins; matched
    /// by name and clock rate, so dynamic payload types are honoured), its
    /// DTMF payload type, the remote address and direction.
    pub fn negotiate_answer(
        &self,
        answer: &SessionDescription,
    ) -> Result<NegotiatedMedia, SdpError> {
        let remote = RemoteAudio::read(answer)?;
        let codec = remote
            .codecs
            .iter()
            .find(|theirs| self.codecs.iter().any(|ours| ours.same_format(theirs)))
            .cloned()
            .ok_or_else(|| SdpError::NoCommonCodec {
                offered: self.codec_names(),
                answered: remote.names(),
            })?;
        Ok(remote.negotiated(codec, self.telephone_event.is_some()))
    }

    /// Answers an incoming offer (an INVITE with SDP or a re-INVITE for hold,
    /// resume or a codec change): the first codec in the offer's order that
    /// we support, with the offerer's payload type numbers; telephone-event
    /// if offered. RFC 3264 section 6.1 recommends keeping the offer's order
    /// and sending with the most preferred offered format the answer lists;
    /// together with [`LocalMedia::negotiate_answer`] (the offerer sends
    /// with the answer's first format, section 7) the peer's order decides
    /// in both roles, so a session refresh re-offer keeps the codec in use.
    /// The direction comes from [`Direction::answer_to`] (a `c=0.0.0.0`
    /// offer counts as not receiving). The answer has one `m=` line per
    /// offered stream, in the offer's order (RFC 3264 section 6): the first
    /// audio stream with a non-zero port is taken, every other one is
    /// refused with port 0. Returns the answer and what was agreed.
    pub fn answer(
        &self,
        offer: &SessionDescription,
    ) -> Result<(SessionDescription, NegotiatedMedia), SdpError> {
        let remote = RemoteAudio::read(offer)?;
        let chosen = remote
            .codecs
            .iter()
            .find_map(|theirs| {
                self.codecs
                    .iter()
                    .find(|ours| ours.same_format(theirs))
                    .map(|ours| (ours, theirs))
            })
            .ok_or_else(|| SdpError::NoCommonCodecInOffer {
                offered: remote.names(),
                supported: self.codec_names(),
            })?;
        let (ours, theirs) = chosen;
        let mut codecs = vec![Codec {
            payload_type: theirs.payload_type,
            ..ours.clone()
        }];
        let dtmf = remote
            .codecs
            .iter()
            .find(|c| c.is_telephone_event() && c.clock_rate == 8000);
        if let (Some(_), Some(te)) = (self.telephone_event, dtmf) {
            codecs.push(Codec::telephone_event(te.payload_type));
        }
        let direction = self.direction.answer_to(remote.effective_direction());
        let media = offer
            .media
            .iter()
            .enumerate()
            .map(|(index, m)| {
                if index == remote.index {
                    self.audio_section(&codecs, direction)
                } else {
                    refused(m)
                }
            })
            .collect();
        let answer = self.session(media);
        let negotiated = remote.negotiated(theirs.clone(), self.telephone_event.is_some());
        Ok((answer, negotiated))
    }
}

/// What both sides agreed for the audio stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// The codec to send, with the peer's payload type and fmtp.
    pub codec: Codec,
    /// The peer's telephone-event payload type, when both sides use RFC 4733.
    pub dtmf_payload_type: Option<u8>,
    /// Where to send RTP.
    pub remote_rtp: SocketAddr,
    /// Where to send RTCP when the peer said (`a=rtcp`); otherwise RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// The direction the peer declared.
    pub remote_direction: Direction,
    /// The peer put the call on hold (`sendonly`, `inactive` or `c=0.0.0.0`).
    pub remote_hold: bool,
    /// The peer's `a=ptime`, if any.
    pub ptime: Option<u32>,
}

/// The answer's `m=` line for an offered stream we do not take: the same
/// media and transport with port 0 (RFC 3264 section 6).
fn refused(offered: &MediaDescription) -> MediaDescription {
    MediaDescription {
        media: offered.media.clone(),
        port: 0,
        port_count: None,
        proto: offered.proto.clone(),
        formats: offered.formats.clone(),
        connection: None,
        other_lines: Vec::new(),
        attributes: Vec::new(),
    }
}

/// The audio section of a peer's SDP, read once.
struct RemoteAudio {
    /// Position of the section among the `m=` lines.
    index: usize,
    codecs: Vec<Codec>,
    ip: IpAddr,
    hold_address: bool,
    port: u16,
    direction: Direction,
    rtcp: Option<SocketAddr>,
    ptime: Option<u32>,
}

impl RemoteAudio {
    /// Reads the first audio section with a non-zero port.
    fn read(sdp: &SessionDescription) -> Result<RemoteAudio, SdpError> {
        let is_audio = |m: &&MediaDescription| m.media.eq_ignore_ascii_case("audio");
        let (index, m) = match sdp
            .media
            .iter()
            .enumerate()
            .find(|(_, m)| is_audio(m) && m.port != 0)
        {
            Some(found) => found,
            None if sdp.media.iter().any(|m| is_audio(&m)) => {
                return Err(SdpError::AudioRejected);
            }
            None => return Err(SdpError::NoAudio),
        };
        let conn = m
            .connection
            .as_ref()
            .or(sdp.connection.as_ref())
            .ok_or(SdpError::NoConnectionAddress)?;
        let ip = conn.ip().ok_or(SdpError::NoConnectionAddress)?;
        let codecs = m
            .formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter(|&pt| pt <= 127)
            .filter_map(|pt| remote_codec(m, pt))
            .collect();
        let rtcp = m.attribute_values("rtcp").next().and_then(|v| {
            let mut f = v.split_whitespace();
            let port = f.next()?.parse::<u16>().ok()?;
            let addr = match (f.next(), f.next(), f.next()) {
                (Some("IN"), Some(_), Some(a)) => a.parse().ok()?,
                _ => ip,
            };
            Some(SocketAddr::new(addr, port))
        });
        let ptime = m
            .attribute_values("ptime")
            .chain(sdp.attribute_values("ptime"))
            .find_map(|p| p.trim().parse().ok());
        Ok(RemoteAudio {
            index,
            codecs,
            ip,
            hold_address: conn.is_hold(),
            port: m.port,
            direction: Direction::of(sdp, m),
            rtcp,
            ptime,
        })
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self
            .codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "nothing".into()
        } else {
            names.join(",")
        }
    }

    /// The declared direction, with the RFC 2543 hold address meaning the
    /// peer does not want to receive.
    fn effective_direction(&self) -> Direction {
        if self.hold_address {
            Direction::from_parts(self.direction.sends(), false)
        } else {
            self.direction
        }
    }

    fn negotiated(&self, codec: Codec, want_dtmf: bool) -> NegotiatedMedia {
        let dtmf = self
            .codecs
            .iter()
            .find(|c| c.is_telephone_event() && c.clock_rate == 8000)
            .map(|c| c.payload_type);
        NegotiatedMedia {
            codec,
            dtmf_payload_type: dtmf.filter(|_| want_dtmf),
            remote_rtp: SocketAddr::new(self.ip, self.port),
            remote_rtcp: self.rtcp,
            remote_direction: self.direction,
            remote_hold: !self.effective_direction().receives(),
            ptime: self.ptime,
        }
    }
}

/// The codec for payload type `pt` of a media section: its `a=rtpmap`, or
/// the static assignment.
fn remote_codec(m: &MediaDescription, pt: u8) -> Option<Codec> {
    let prefix = |v: &str| {
        v.split_once(' ')
            .filter(|(p, _)| p.parse::<u8>().ok() == Some(pt))
            .map(|(_, rest)| rest.trim().to_owned())
    };
    let fmtp = m.attribute_values("fmtp").find_map(prefix);
    let mapped = m
        .attribute_values("rtpmap")
        .find_map(prefix)
        .and_then(|enc| {
            let mut parts = enc.split('/');
            let name = parts.next()?.to_owned();
            let clock_rate = parts.next()?.parse().ok()?;
            let channels = parts.next().and_then(|c| c.parse().ok());
            Some(Codec {
                name,
                clock_rate,
                channels,
                payload_type: pt,
                fmtp: None,
            })
        });
    let codec = mapped.or_else(|| Codec::from_static(pt))?;
    Some(Codec { fmtp, ..codec })
}
