//! The generic shape of WWW-Authenticate, Proxy-Authenticate, Authorization
//! and Proxy-Authorization values (RFC 7235 section 2.1).

use crate::header::cursor::Cursor;
use crate::text::ByteStr;
use crate::text::chars::is_wsp;
use crate::text::escape::{quoted_string_end, unquote};

/// One challenge or one set of credentials: a scheme and its parameters
/// (values unquoted), or a token68 (`Basic QWxhZGRpbjpvcGVu`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthValue {
    /// Scheme (`Digest`), compared case-insensitively.
    pub scheme: ByteStr,
    /// `name=value` parameters in order, values unquoted.
    pub params: Vec<(ByteStr, ByteStr)>,
    /// A token68 instead of parameters.
    pub token68: Option<ByteStr>,
}

/// A challenge from WWW-Authenticate or Proxy-Authenticate.
pub type Challenge = AuthValue;
/// Credentials from Authorization or Proxy-Authorization.
pub type Credentials = AuthValue;

impl AuthValue {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&ByteStr> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether the scheme is `Digest`.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// Parses one header value, which may hold several challenges separated
    /// by commas (RFC 7235 section 4.1).
    pub(crate) fn parse_all(src: &ByteStr, s: &str) -> Result<Vec<AuthValue>, &'static str> {
        let mut out = Vec::new();
        let mut c = Cursor::new(s);
        loop {
            skip_list_separators(&mut c);
            if c.at_end() {
                break;
            }
            let scheme = c.token();
            if scheme.is_empty() {
                return Err("expected an authentication scheme");
            }
            let mut value = AuthValue {
                scheme: src.slice_ref(scheme),
                params: Vec::new(),
                token68: None,
            };
            if c.at_end() {
                out.push(value);
                break;
            }
            if !c.skip_wsp_some() && c.peek() != Some(b',') {
                return Err("expected white space after the scheme");
            }
            let token68 = if value.is_digest() {
                None
            } else {
                token68_at(&c)
            };
            if let Some(t68) = token68 {
                c.pos += t68.len();
                value.token68 = Some(src.slice_ref(t68));
            } else {
                parse_params(src, &mut c, &mut value.params)?;
            }
            out.push(value);
        }
        if out.is_empty() {
            return Err("empty authentication header");
        }
        Ok(out)
    }
}

fn skip_list_separators(c: &mut Cursor<'_>) {
    while c.peek().is_some_and(|b| b == b',' || is_wsp(b)) {
        c.pos += 1;
    }
}

/// A token68 starting at the cursor and running to a comma or the end.
fn token68_at<'a>(c: &Cursor<'a>) -> Option<&'a str> {
    let rest = c.rest();
    let end = rest.find(',').unwrap_or(rest.len());
    let candidate = rest[..end].trim_end_matches([' ', '\t']);
    let body = candidate.trim_end_matches('=');
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
        && (candidate.len() > body.len() || !rest[body.len()..].trim_start().starts_with('='));
    ok.then_some(candidate)
}

fn parse_params(
    src: &ByteStr,
    c: &mut Cursor<'_>,
    params: &mut Vec<(ByteStr, ByteStr)>,
) -> Result<(), &'static str> {
    loop {
        c.skip_wsp();
        let save = c.pos;
        let name = c.token();
        c.skip_wsp();
        if name.is_empty() {
            return Err("expected a parameter name");
        }
        if !c.eat(b'=') {
            // Not a parameter: a new challenge starts here (`, Basic realm=...`).
            if params.is_empty() {
                return Err("expected '=' after a parameter name");
            }
            c.pos = save;
            return Ok(());
        }
        c.skip_wsp();
        let value = if c.peek() == Some(b'"') {
            let rest = c.rest();
            let end = quoted_string_end(rest).ok_or("unterminated quoted parameter value")?;
            c.pos += end;
            match unquote(&rest[..end]) {
                std::borrow::Cow::Borrowed(v) => src.slice_ref(v),
                std::borrow::Cow::Owned(v) => ByteStr::from(v),
            }
        } else {
            let v = c.token();
            if v.is_empty() {
                return Err("empty parameter value");
            }
            src.slice_ref(v)
        };
        params.push((src.slice_ref(name), value));
        c.skip_wsp();
        if c.at_end() {
            return Ok(());
        }
        if !c.eat(b',') {
            return Err("expected ',' between parameters");
        }
        skip_list_separators(c);
        if c.at_end() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<AuthValue>, &'static str> {
        let src = ByteStr::from(s);
        AuthValue::parse_all(&src, &src)
    }

    #[test]
    fn one_digest_challenge() {
        let v = parse(r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v""#).unwrap();
        assert_eq!(v.len(), 1);
        assert!(v[0].is_digest());
        assert_eq!(v[0].param("QOP").unwrap(), "auth, auth-int");
        assert_eq!(v[0].param("algorithm").unwrap(), "SHA-256");
    }

    #[test]
    fn several_challenges_in_one_value() {
        let v =
            parse(r#"Digest realm="a", nonce="n1", Basic realm="b", Newauth realm="c", type=1"#)
                .unwrap();
        let schemes: Vec<_> = v.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, vec!["Digest", "Basic", "Newauth"]);
        assert_eq!(v[2].param("type").unwrap(), "1");
    }

    #[test]
    fn token68_and_unknown_schemes() {
        let v = parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
        assert_eq!(
            v[0].token68.as_deref(),
            Some("QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        let v = parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert_eq!(v[0].param("opaque-data").unwrap(), "here");
        for bad in [
            "",
            "Digest realm=\"open",
            "Digest realm=",
            "Digest realm \"x\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
