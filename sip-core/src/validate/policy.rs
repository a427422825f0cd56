//! What a UA supports, for deciding how to answer a request.

use super::rejection::comma_list;
use crate::message::Method;
use crate::text::ByteStr;

/// The capabilities [`super::validate_request`] checks a request against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UaPolicy {
    /// Methods the UA handles; others get 405 (known) or 501 (unknown).
    pub allowed_methods: Vec<Method>,
    /// Option tags the UA supports; a Require outside them gets 420.
    pub supported_extensions: Vec<ByteStr>,
    /// Body types the UA understands (`type/subtype`); others get 415.
    pub accepted_content_types: Vec<ByteStr>,
    /// Request-URI schemes the UA serves; others get 416.
    pub uri_schemes: Vec<ByteStr>,
    /// Whether the element forwards requests (a proxy or B2BUA leg): then
    /// `Max-Forwards: 0` gets 483. A UA that is the final recipient accepts
    /// it (RFC 4475 3.3.11).
    pub forwards: bool,
}

impl UaPolicy {
    /// The value of an Allow header: the allowed methods, in order.
    pub fn allow(&self) -> String {
        comma_list(self.allowed_methods.iter().map(|m| m.as_str()))
    }

    /// The value of an Accept header: the accepted body types, in order.
    pub fn accept(&self) -> String {
        comma_list(self.accepted_content_types.iter().map(|t| t.as_str()))
    }

    /// The value of a Supported header: the supported option tags.
    pub fn supported(&self) -> String {
        comma_list(self.supported_extensions.iter().map(|t| t.as_str()))
    }
}

impl Default for UaPolicy {
    /// An outbound dialer, what [`crate::endpoint::Endpoint`] checks
    /// requests against and advertises in Allow, Accept and Supported:
    /// INVITE dialogs with UPDATE, OPTIONS and INFO; session timers; SDP and
    /// DTMF-relay bodies; sip, sips and tel URIs.
    fn default() -> Self {
        UaPolicy {
            allowed_methods: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Update,
                Method::Info,
            ],
            supported_extensions: vec![ByteStr::from_static("timer")],
            accepted_content_types: vec![
                ByteStr::from_static("application/sdp"),
                ByteStr::from_static("application/dtmf-relay"),
            ],
            uri_schemes: vec![
                ByteStr::from_static("sip"),
                ByteStr::from_static("sips"),
                ByteStr::from_static("tel"),
            ],
            forwards: false,
        }
    }
}
