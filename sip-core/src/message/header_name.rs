//! Header names: the known ones as variants (with their compact forms),
//! anything else kept as written. Generated table; one line per header.

use std::fmt;

use crate::text::ByteStr;

/// A header field name. Names compare case-insensitively; compact forms
/// (`v`, `i`, `m`, ...) parse to the same variant as the full name and print
/// in full.
#[derive(Clone, Debug)]
pub enum HeaderName {
    /// `Accept`.
    Accept,
    /// `Accept-Contact` (compact form `a`).
    AcceptContact,
    /// `Accept-Encoding`.
    AcceptEncoding,
    /// `Accept-Language`.
    AcceptLanguage,
    /// `Alert-Info`.
    AlertInfo,
    /// `Allow`.
    Allow,
    /// `Allow-Events` (compact form `u`).
    AllowEvents,
    /// `Authentication-Info`.
    AuthenticationInfo,
    /// `Authorization`.
    Authorization,
    /// `Call-ID` (compact form `i`).
    CallId,
    /// `Call-Info`.
    CallInfo,
    /// `Contact` (compact form `m`).
    Contact,
    /// `Content-Disposition`.
    ContentDisposition,
    /// `Content-Encoding` (compact form `e`).
    ContentEncoding,
    /// `Content-Language`.
    ContentLanguage,
    /// `Content-Length` (compact form `l`).
    ContentLength,
    /// `Content-Type` (compact form `c`).
    ContentType,
    /// `CSeq`.
    CSeq,
    /// `Date`.
    Date,
    /// `Error-Info`.
    ErrorInfo,
    /// `Event` (compact form `o`).
    Event,
    /// `Expires`.
    Expires,
    /// `From` (compact form `f`).
    From,
    /// `Identity` (compact form `y`).
    Identity,
    /// `Identity-Info` (compact form `n`).
    IdentityInfo,
    /// `In-Reply-To`.
    InReplyTo,
    /// `Max-Forwards`.
    MaxForwards,
    /// `MIME-Version`.
    MimeVersion,
    /// `Min-Expires`.
    MinExpires,
    /// `Min-SE`.
    MinSe,
    /// `Organization`.
    Organization,
    /// `P-Asserted-Identity`.
    PAssertedIdentity,
    /// `P-Preferred-Identity`.
    PPreferredIdentity,
    /// `Path`.
    Path,
    /// `Priority`.
    Priority,
    /// `Privacy`.
    Privacy,
    /// `Proxy-Authenticate`.
    ProxyAuthenticate,
    /// `Proxy-Authorization`.
    ProxyAuthorization,
    /// `Proxy-Require`.
    ProxyRequire,
    /// `RAck`.
    RAck,
    /// `Reason`.
    Reason,
    /// `Record-Route`.
    RecordRoute,
    /// `Refer-To` (compact form `r`).
    ReferTo,
    /// `Referred-By` (compact form `b`).
    ReferredBy,
    /// `Reject-Contact` (compact form `j`).
    RejectContact,
    /// `Reply-To`.
    ReplyTo,
    /// `Request-Disposition` (compact form `d`).
    RequestDisposition,
    /// `Require`.
    Require,
    /// `Retry-After`.
    RetryAfter,
    /// `Route`.
    Route,
    /// `RSeq`.
    RSeq,
    /// `Server`.
    Server,
    /// `Service-Route`.
    ServiceRoute,
    /// `Session-Expires` (compact form `x`).
    SessionExpires,
    /// `Subject` (compact form `s`).
    Subject,
    /// `Subscription-State`.
    SubscriptionState,
    /// `Supported` (compact form `k`).
    Supported,
    /// `Timestamp`.
    Timestamp,
    /// `To` (compact form `t`).
    To,
    /// `Unsupported`.
    Unsupported,
    /// `User-Agent`.
    UserAgent,
    /// `Via` (compact form `v`).
    Via,
    /// `Warning`.
    Warning,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// Any other header, with its name as written.
    Other(ByteStr),
}

impl HeaderName {
    /// The canonical (full) name.
    pub fn as_str(&self) -> &str {
        match self {
            HeaderName::Accept => "Accept",
            HeaderName::AcceptContact => "Accept-Contact",
            HeaderName::AcceptEncoding => "Accept-Encoding",
            HeaderName::AcceptLanguage => "Accept-Language",
            HeaderName::AlertInfo => "Alert-Info",
            HeaderName::Allow => "Allow",
            HeaderName::AllowEvents => "Allow-Events",
            HeaderName::AuthenticationInfo => "Authentication-Info",
            HeaderName::Authorization => "Authorization",
            HeaderName::CallId => "Call-ID",
            HeaderName::CallInfo => "Call-Info",
            HeaderName::Contact => "Contact",
            HeaderName::ContentDisposition => "Content-Disposition",
            HeaderName::ContentEncoding => "Content-Encoding",
            HeaderName::ContentLanguage => "Content-Language",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::CSeq => "CSeq",
            HeaderName::Date => "Date",
            HeaderName::ErrorInfo => "Error-Info",
            HeaderName::Event => "Event",
            HeaderName::Expires => "Expires",
            HeaderName::From => "From",
            HeaderName::Identity => "Identity",
            HeaderName::IdentityInfo => "Identity-Info",
            HeaderName::InReplyTo => "In-Reply-To",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::MimeVersion => "MIME-Version",
            HeaderName::MinExpires => "Min-Expires",
            HeaderName::MinSe => "Min-SE",
            HeaderName::Organization => "Organization",
            HeaderName::PAssertedIdentity => "P-Asserted-Identity",
            HeaderName::PPreferredIdentity => "P-Preferred-Identity",
            HeaderName::Path => "Path",
            HeaderName::Priority => "Priority",
            HeaderName::Privacy => "Privacy",
            HeaderName::ProxyAuthenticate => "Proxy-Authenticate",
            HeaderName::ProxyAuthorization => "Proxy-Authorization",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::RAck => "RAck",
            HeaderName::Reason => "Reason",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::ReferTo => "Refer-To",
            HeaderName::ReferredBy => "Referred-By",
            HeaderName::RejectContact => "Reject-Contact",
            HeaderName::ReplyTo => "Reply-To",
            HeaderName::RequestDisposition => "Request-Disposition",
            HeaderName::Require => "Require",
            HeaderName::RetryAfter => "Retry-After",
            HeaderName::Route => "Route",
            HeaderName::RSeq => "RSeq",
            HeaderName::Server => "Server",
            HeaderName::ServiceRoute => "Service-Route",
            HeaderName::SessionExpires => "Session-Expires",
            HeaderName::Subject => "Subject",
            HeaderName::SubscriptionState => "Subscription-State",
            HeaderName::Supported => "Supported",
            HeaderName::Timestamp => "Timestamp",
            HeaderName::To => "To",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Via => "Via",
            HeaderName::Warning => "Warning",
            HeaderName::WwwAuthenticate => "WWW-Authenticate",
            HeaderName::Other(name) => name,
        }
    }

    /// Whether the header's grammar is a comma-separated list, so several
    /// values may share one header line.
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            HeaderName::Accept
                | HeaderName::AcceptContact
                | HeaderName::AcceptEncoding
                | HeaderName::AcceptLanguage
                | HeaderName::AlertInfo
                | HeaderName::Allow
                | HeaderName::AllowEvents
                | HeaderName::CallInfo
                | HeaderName::Contact
                | HeaderName::ContentEncoding
                | HeaderName::ContentLanguage
                | HeaderName::ErrorInfo
                | HeaderName::InReplyTo
                | HeaderName::PAssertedIdentity
                | HeaderName::PPreferredIdentity
                | HeaderName::Path
                | HeaderName::ProxyRequire
                | HeaderName::Reason
                | HeaderName::RecordRoute
                | HeaderName::RejectContact
                | HeaderName::RequestDisposition
                | HeaderName::Require
                | HeaderName::Route
                | HeaderName::ServiceRoute
                | HeaderName::Supported
                | HeaderName::Unsupported
                | HeaderName::Via
                | HeaderName::Warning
        )
    }

    /// Recognises a known name (full or compact, any case) without allocating.
    pub fn known(name: &str) -> Option<HeaderName> {
        let b = name.as_bytes();
        if b.len() == 1 {
            return Some(match b[0].to_ascii_lowercase() {
                b'a' => HeaderName::AcceptContact,
                b'u' => HeaderName::AllowEvents,
                b'i' => HeaderName::CallId,
                b'm' => HeaderName::Contact,
                b'e' => HeaderName::ContentEncoding,
                b'l' => HeaderName::ContentLength,
                b'c' => HeaderName::ContentType,
                b'o' => HeaderName::Event,
                b'f' => HeaderName::From,
                b'y' => HeaderName::Identity,
                b'n' => HeaderName::IdentityInfo,
                b'r' => HeaderName::ReferTo,
                b'b' => HeaderName::ReferredBy,
                b'j' => HeaderName::RejectContact,
                b'd' => HeaderName::RequestDisposition,
                b'x' => HeaderName::SessionExpires,
                b's' => HeaderName::Subject,
                b'k' => HeaderName::Supported,
                b't' => HeaderName::To,
                b'v' => HeaderName::Via,
                _ => return None,
            });
        }
        let first = b.first()?.to_ascii_lowercase();
        let found = match (b.len(), first) {
            (2, b't') if b.eq_ignore_ascii_case(b"to") => HeaderName::To,
            (3, b'v') if b.eq_ignore_ascii_case(b"via") => HeaderName::Via,
            (4, b'c') if b.eq_ignore_ascii_case(b"cseq") => HeaderName::CSeq,
            (4, b'd') if b.eq_ignore_ascii_case(b"date") => HeaderName::Date,
            (4, b'f') if b.eq_ignore_ascii_case(b"from") => HeaderName::From,
            (4, b'p') if b.eq_ignore_ascii_case(b"path") => HeaderName::Path,
            (4, b'r') if b.eq_ignore_ascii_case(b"rack") => HeaderName::RAck,
            (4, b'r') if b.eq_ignore_ascii_case(b"rseq") => HeaderName::RSeq,
            (5, b'a') if b.eq_ignore_ascii_case(b"allow") => HeaderName::Allow,
            (5, b'e') if b.eq_ignore_ascii_case(b"event") => HeaderName::Event,
            (5, b'r') if b.eq_ignore_ascii_case(b"route") => HeaderName::Route,
            (6, b'a') if b.eq_ignore_ascii_case(b"accept") => HeaderName::Accept,
            (6, b'm') if b.eq_ignore_ascii_case(b"min-se") => HeaderName::MinSe,
            (6, b'r') if b.eq_ignore_ascii_case(b"reason") => HeaderName::Reason,
            (6, b's') if b.eq_ignore_ascii_case(b"server") => HeaderName::Server,
            (7, b'c') if b.eq_ignore_ascii_case(b"call-id") => HeaderName::CallId,
            (7, b'c') if b.eq_ignore_ascii_case(b"contact") => HeaderName::Contact,
            (7, b'e') if b.eq_ignore_ascii_case(b"expires") => HeaderName::Expires,
            (7, b'p') if b.eq_ignore_ascii_case(b"privacy") => HeaderName::Privacy,
            (7, b'r') if b.eq_ignore_ascii_case(b"require") => HeaderName::Require,
            (7, b's') if b.eq_ignore_ascii_case(b"subject") => HeaderName::Subject,
            (7, b'w') if b.eq_ignore_ascii_case(b"warning") => HeaderName::Warning,
            (8, b'i') if b.eq_ignore_ascii_case(b"identity") => HeaderName::Identity,
            (8, b'p') if b.eq_ignore_ascii_case(b"priority") => HeaderName::Priority,
            (8, b'r') if b.eq_ignore_ascii_case(b"refer-to") => HeaderName::ReferTo,
            (8, b'r') if b.eq_ignore_ascii_case(b"reply-to") => HeaderName::ReplyTo,
            (9, b'c') if b.eq_ignore_ascii_case(b"call-info") => HeaderName::CallInfo,
            (9, b's') if b.eq_ignore_ascii_case(b"supported") => HeaderName::Supported,
            (9, b't') if b.eq_ignore_ascii_case(b"timestamp") => HeaderName::Timestamp,
            (10, b'a') if b.eq_ignore_ascii_case(b"alert-info") => HeaderName::AlertInfo,
            (10, b'e') if b.eq_ignore_ascii_case(b"error-info") => HeaderName::ErrorInfo,
            (10, b'u') if b.eq_ignore_ascii_case(b"user-agent") => HeaderName::UserAgent,
            (11, b'i') if b.eq_ignore_ascii_case(b"in-reply-to") => HeaderName::InReplyTo,
            (11, b'm') if b.eq_ignore_ascii_case(b"min-expires") => HeaderName::MinExpires,
            (11, b'r') if b.eq_ignore_ascii_case(b"referred-by") => HeaderName::ReferredBy,
            (11, b'r') if b.eq_ignore_ascii_case(b"retry-after") => HeaderName::RetryAfter,
            (11, b'u') if b.eq_ignore_ascii_case(b"unsupported") => HeaderName::Unsupported,
            (12, b'a') if b.eq_ignore_ascii_case(b"allow-events") => HeaderName::AllowEvents,
            (12, b'c') if b.eq_ignore_ascii_case(b"content-type") => HeaderName::ContentType,
            (12, b'm') if b.eq_ignore_ascii_case(b"max-forwards") => HeaderName::MaxForwards,
            (12, b'm') if b.eq_ignore_ascii_case(b"mime-version") => HeaderName::MimeVersion,
            (12, b'o') if b.eq_ignore_ascii_case(b"organization") => HeaderName::Organization,
            (12, b'r') if b.eq_ignore_ascii_case(b"record-route") => HeaderName::RecordRoute,
            (13, b'a') if b.eq_ignore_ascii_case(b"authorization") => HeaderName::Authorization,
            (13, b'i') if b.eq_ignore_ascii_case(b"identity-info") => HeaderName::IdentityInfo,
            (13, b'p') if b.eq_ignore_ascii_case(b"proxy-require") => HeaderName::ProxyRequire,
            (13, b's') if b.eq_ignore_ascii_case(b"service-route") => HeaderName::ServiceRoute,
            (14, b'a') if b.eq_ignore_ascii_case(b"accept-contact") => HeaderName::AcceptContact,
            (14, b'c') if b.eq_ignore_ascii_case(b"content-length") => HeaderName::ContentLength,
            (14, b'r') if b.eq_ignore_ascii_case(b"reject-contact") => HeaderName::RejectContact,
            (15, b'a') if b.eq_ignore_ascii_case(b"accept-encoding") => HeaderName::AcceptEncoding,
            (15, b'a') if b.eq_ignore_ascii_case(b"accept-language") => HeaderName::AcceptLanguage,
            (15, b's') if b.eq_ignore_ascii_case(b"session-expires") => HeaderName::SessionExpires,
            (16, b'c') if b.eq_ignore_ascii_case(b"content-encoding") => {
                HeaderName::ContentEncoding
            }
            (16, b'c') if b.eq_ignore_ascii_case(b"content-language") => {
                HeaderName::ContentLanguage
            }
            (16, b'w') if b.eq_ignore_ascii_case(b"www-authenticate") => {
                HeaderName::WwwAuthenticate
            }
            (18, b'p') if b.eq_ignore_ascii_case(b"proxy-authenticate") => {
                HeaderName::ProxyAuthenticate
            }
            (18, b's') if b.eq_ignore_ascii_case(b"subscription-state") => {
                HeaderName::SubscriptionState
            }
            (19, b'a') if b.eq_ignore_ascii_case(b"authentication-info") => {
                HeaderName::AuthenticationInfo
            }
            (19, b'c') if b.eq_ignore_ascii_case(b"content-disposition") => {
                HeaderName::ContentDisposition
            }
            (19, b'p') if b.eq_ignore_ascii_case(b"p-asserted-identity") => {
                HeaderName::PAssertedIdentity
            }
            (19, b'p') if b.eq_ignore_ascii_case(b"proxy-authorization") => {
                HeaderName::ProxyAuthorization
            }
            (19, b'r') if b.eq_ignore_ascii_case(b"request-disposition") => {
                HeaderName::RequestDisposition
            }
            (20, b'p') if b.eq_ignore_ascii_case(b"p-preferred-identity") => {
                HeaderName::PPreferredIdentity
            }
            _ => return None,
        };
        Some(found)
    }

    /// The name for `name` as received: a known variant, or `Other` sharing `src`.
    pub(crate) fn from_wire(src: &ByteStr, name: &str) -> HeaderName {
        HeaderName::known(name).unwrap_or_else(|| HeaderName::Other(src.slice_ref(name)))
    }

    /// A name from text: a known variant, or `Other` holding a copy.
    pub fn new(name: &str) -> HeaderName {
        HeaderName::known(name).unwrap_or_else(|| HeaderName::Other(ByteStr::from(name)))
    }
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &HeaderName) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => false,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for HeaderName {}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips() {
        let all = [
            HeaderName::Accept,
            HeaderName::AcceptContact,
            HeaderName::AcceptEncoding,
            HeaderName::AcceptLanguage,
            HeaderName::AlertInfo,
            HeaderName::Allow,
            HeaderName::AllowEvents,
            HeaderName::AuthenticationInfo,
            HeaderName::Authorization,
            HeaderName::CallId,
            HeaderName::CallInfo,
            HeaderName::Contact,
            HeaderName::ContentDisposition,
            HeaderName::ContentEncoding,
            HeaderName::ContentLanguage,
            HeaderName::ContentLength,
            HeaderName::ContentType,
            HeaderName::CSeq,
            HeaderName::Date,
            HeaderName::ErrorInfo,
            HeaderName::Event,
            HeaderName::Expires,
            HeaderName::From,
            HeaderName::Identity,
            HeaderName::IdentityInfo,
            HeaderName::InReplyTo,
            HeaderName::MaxForwards,
            HeaderName::MimeVersion,
            HeaderName::MinExpires,
            HeaderName::MinSe,
            HeaderName::Organization,
            HeaderName::PAssertedIdentity,
            HeaderName::PPreferredIdentity,
            HeaderName::Path,
            HeaderName::Priority,
            HeaderName::Privacy,
            HeaderName::ProxyAuthenticate,
            HeaderName::ProxyAuthorization,
            HeaderName::ProxyRequire,
            HeaderName::RAck,
            HeaderName::Reason,
            HeaderName::RecordRoute,
            HeaderName::ReferTo,
            HeaderName::ReferredBy,
            HeaderName::RejectContact,
            HeaderName::ReplyTo,
            HeaderName::RequestDisposition,
            HeaderName::Require,
            HeaderName::RetryAfter,
            HeaderName::Route,
            HeaderName::RSeq,
            HeaderName::Server,
            HeaderName::ServiceRoute,
            HeaderName::SessionExpires,
            HeaderName::Subject,
            HeaderName::SubscriptionState,
            HeaderName::Supported,
            HeaderName::Timestamp,
            HeaderName::To,
            HeaderName::Unsupported,
            HeaderName::UserAgent,
            HeaderName::Via,
            HeaderName::Warning,
            HeaderName::WwwAuthenticate,
        ];
        for name in all {
            assert_eq!(HeaderName::known(name.as_str()), Some(name.clone()));
            assert_eq!(
                HeaderName::known(&name.as_str().to_ascii_uppercase()),
                Some(name.clone())
            );
        }
    }

    #[test]
    fn compact_forms_and_others() {
        assert_eq!(HeaderName::known("V"), Some(HeaderName::Via));
        assert_eq!(HeaderName::known("i"), Some(HeaderName::CallId));
        assert_eq!(HeaderName::known("C%6Fntact"), None);
        assert_eq!(HeaderName::new("X-Custom"), HeaderName::new("x-custom"));
        assert_ne!(HeaderName::new("X-Custom"), HeaderName::Via);
    }
}
