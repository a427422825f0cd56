//! Typed accessors on [`Headers`].

use super::{
    CSeq, Contact, HeaderValue, MediaType, NameAddr, Reason, RetryAfter, SessionExpires, Via,
    Warning,
};
use crate::error::ParseError;
use crate::message::{HeaderName, Headers, Method};
use crate::text::ByteStr;
use crate::text::chars::{is_token_str, is_word_str};

impl Headers {
    /// The single value of a header that may appear once: `Ok(None)` when
    /// absent, an error when it appears more than once or is malformed.
    pub fn parse_single<T: HeaderValue>(&self, name: HeaderName) -> Result<Option<T>, ParseError> {
        let mut values = self.get_all(&name);
        let Some(v) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(ParseError::DuplicateHeader(name));
        }
        T::parse_in(v, v).map(Some).map_err(|e| ParseError::Header {
            name,
            what: e.what(),
        })
    }

    /// Every element of a list header, across all its lines.
    pub fn parse_list<T: HeaderValue>(&self, name: HeaderName) -> Result<Vec<T>, ParseError> {
        let mut out = Vec::new();
        for (src, element) in self.elements(&name) {
            if element.is_empty() {
                return Err(ParseError::header(
                    name,
                    "empty element in a comma-separated list",
                ));
            }
            out.push(T::parse_in(src, element).map_err(|e| ParseError::Header {
                name: name.clone(),
                what: e.what(),
            })?);
        }
        Ok(out)
    }

    /// The first element of a list header, without parsing the rest.
    pub fn parse_first<T: HeaderValue>(&self, name: HeaderName) -> Result<Option<T>, ParseError> {
        match self.elements(&name).next() {
            None => Ok(None),
            Some((src, element)) => {
                T::parse_in(src, element)
                    .map(Some)
                    .map_err(|e| ParseError::Header {
                        name,
                        what: e.what(),
                    })
            }
        }
    }

    fn required<T: HeaderValue>(&self, name: HeaderName) -> Result<T, ParseError> {
        self.parse_single(name.clone())?
            .ok_or(ParseError::MissingHeader(name))
    }

    fn tokens(&self, name: HeaderName) -> Result<Vec<ByteStr>, ParseError> {
        let mut out = Vec::new();
        for (src, element) in self.elements(&name) {
            if element.is_empty() {
                continue;
            }
            if !is_token_str(element) {
                return Err(ParseError::header(name, "list element is not a token"));
            }
            out.push(src.slice_ref(element));
        }
        Ok(out)
    }

    /// The topmost Via value (the first element of the first Via line).
    pub fn top_via(&self) -> Result<Via, ParseError> {
        self.parse_first(HeaderName::Via)?
            .ok_or(ParseError::MissingHeader(HeaderName::Via))
    }

    /// Every Via value, top first.
    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        self.parse_list(HeaderName::Via)
    }

    /// From.
    pub fn from(&self) -> Result<NameAddr, ParseError> {
        self.required(HeaderName::From)
    }

    /// To.
    pub fn to(&self) -> Result<NameAddr, ParseError> {
        self.required(HeaderName::To)
    }

    /// Call-ID (`word [@ word]`).
    pub fn call_id(&self) -> Result<ByteStr, ParseError> {
        let mut values = self.get_all(&HeaderName::CallId);
        let v = values
            .next()
            .ok_or(ParseError::MissingHeader(HeaderName::CallId))?;
        if values.next().is_some() {
            return Err(ParseError::DuplicateHeader(HeaderName::CallId));
        }
        let ok = match v.split_once('@') {
            Some((a, b)) => is_word_str(a) && is_word_str(b),
            None => is_word_str(v),
        };
        if !ok {
            return Err(ParseError::header(
                HeaderName::CallId,
                "not word [\"@\" word]",
            ));
        }
        Ok(v.clone())
    }

    /// CSeq.
    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        self.required(HeaderName::CSeq)
    }

    /// Max-Forwards (0 to 255).
    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        self.parse_single(HeaderName::MaxForwards)
    }

    /// Every Contact value.
    pub fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
        self.parse_list(HeaderName::Contact)
    }

    /// Every Route value, in order.
    pub fn routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.parse_list(HeaderName::Route)
    }

    /// Every Record-Route value, in order.
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.parse_list(HeaderName::RecordRoute)
    }

    /// Expires (seconds).
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.parse_single(HeaderName::Expires)
    }

    /// Min-Expires (seconds).
    pub fn min_expires(&self) -> Result<Option<u32>, ParseError> {
        self.parse_single(HeaderName::MinExpires)
    }

    /// Content-Length.
    pub fn content_length(&self) -> Result<Option<u32>, ParseError> {
        self.parse_single(HeaderName::ContentLength)
    }

    /// Content-Type.
    pub fn content_type(&self) -> Result<Option<MediaType>, ParseError> {
        self.parse_single(HeaderName::ContentType)
    }

    /// Accept (media ranges).
    pub fn accept(&self) -> Result<Vec<MediaType>, ParseError> {
        self.parse_list(HeaderName::Accept)
    }

    /// Allow (methods).
    pub fn allow(&self) -> Result<Vec<Method>, ParseError> {
        let tokens = self.tokens(HeaderName::Allow)?;
        Ok(tokens
            .iter()
            .filter_map(|t| Method::parse_in(t, t))
            .collect())
    }

    /// Supported option tags.
    pub fn supported(&self) -> Result<Vec<ByteStr>, ParseError> {
        self.tokens(HeaderName::Supported)
    }

    /// Require option tags.
    pub fn require(&self) -> Result<Vec<ByteStr>, ParseError> {
        self.tokens(HeaderName::Require)
    }

    /// Proxy-Require option tags.
    pub fn proxy_require(&self) -> Result<Vec<ByteStr>, ParseError> {
        self.tokens(HeaderName::ProxyRequire)
    }

    /// Unsupported option tags.
    pub fn unsupported(&self) -> Result<Vec<ByteStr>, ParseError> {
        self.tokens(HeaderName::Unsupported)
    }

    /// Session-Expires (RFC 4028).
    pub fn session_expires(&self) -> Result<Option<SessionExpires>, ParseError> {
        self.parse_single(HeaderName::SessionExpires)
    }

    /// Min-SE in seconds (RFC 4028).
    pub fn min_se(&self) -> Result<Option<u32>, ParseError> {
        Ok(self
            .parse_single::<SessionExpires>(HeaderName::MinSe)?
            .map(|se| se.delta))
    }

    /// Retry-After.
    pub fn retry_after(&self) -> Result<Option<RetryAfter>, ParseError> {
        self.parse_single(HeaderName::RetryAfter)
    }

    /// Every Reason value (RFC 3326).
    pub fn reasons(&self) -> Result<Vec<Reason>, ParseError> {
        self.parse_list(HeaderName::Reason)
    }

    /// Every Warning value.
    pub fn warnings(&self) -> Result<Vec<Warning>, ParseError> {
        self.parse_list(HeaderName::Warning)
    }

    /// User-Agent, as written.
    pub fn user_agent(&self) -> Option<&ByteStr> {
        self.get(&HeaderName::UserAgent)
    }

    /// Server, as written.
    pub fn server(&self) -> Option<&ByteStr> {
        self.get(&HeaderName::Server)
    }

    /// Subject, as written (may be empty).
    pub fn subject(&self) -> Option<&ByteStr> {
        self.get(&HeaderName::Subject)
    }
}
