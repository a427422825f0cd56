//! `;name=value` parameter lists of URIs and header values.

use std::fmt;

use crate::text::ByteStr;
use crate::text::chars::{is_token, is_wsp};
use crate::text::escape::{quoted_string_end, unescape};

/// One parameter. Values are kept as received: a quoted value keeps its quotes
/// and a URI parameter keeps its escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Parameter name (compared case-insensitively).
    pub name: ByteStr,
    /// Value after `=`, if any.
    pub value: Option<ByteStr>,
}

/// An ordered list of parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<Param>);

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The parameter called `name` (case-insensitive).
    /// Names written with escapes (`%6C%72` for `lr`) match their decoded form.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| {
            p.name.eq_ignore_ascii_case(name)
                || (p.name.contains('%') && unescape(&p.name).eq_ignore_ascii_case(name.as_bytes()))
        })
    }

    /// The value of `name`, if present with a value.
    pub fn value(&self, name: &str) -> Option<&ByteStr> {
        self.get(name).and_then(|p| p.value.as_ref())
    }

    /// Whether `name` is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name
    /// in place or appending.
    pub fn set(&mut self, name: impl Into<ByteStr>, value: Option<ByteStr>) {
        let name = name.into();
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(&name))
        {
            Some(p) => p.value = value,
            None => self.0.push(Param { name, value }),
        }
    }

    /// Removes every parameter called `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// Appends a parameter (even if one of that name exists).
    pub fn push(&mut self, param: Param) {
        self.0.push(param);
    }

    /// The parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Param> {
        self.0.iter()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses header parameters: `*( SEMI name [ EQUAL value ] )` with
    /// optional white space around `;` and `=`. Values are tokens, hosts,
    /// IPv6 references or quoted strings. `s` is empty or starts at a `;`
    /// (after optional white space).
    pub(crate) fn parse_header(src: &ByteStr, s: &str) -> Result<Params, &'static str> {
        let mut params = Params::new();
        let b = s.as_bytes();
        let mut i = skip_wsp(b, 0);
        while i < b.len() {
            if b[i] != b';' {
                return Err("expected ';' before a parameter");
            }
            i = skip_wsp(b, i + 1);
            let name_start = i;
            while i < b.len() && is_token(b[i]) {
                i += 1;
            }
            if i == name_start {
                return Err("empty parameter name");
            }
            let name = src.slice_ref(&s[name_start..i]);
            i = skip_wsp(b, i);
            let mut value = None;
            if b.get(i) == Some(&b'=') {
                i = skip_wsp(b, i + 1);
                let value_start = i;
                match b.get(i) {
                    Some(b'"') => {
                        let end = quoted_string_end(&s[i..])
                            .ok_or("unterminated quoted parameter value")?;
                        i += end;
                    }
                    Some(b'[') => {
                        let end = s[i..].find(']').ok_or("unterminated IPv6 reference")?;
                        i += end + 1;
                    }
                    _ => {
                        while i < b.len() && (is_token(b[i]) || b[i] == b':') {
                            i += 1;
                        }
                    }
                }
                if i == value_start {
                    return Err("empty parameter value after '='");
                }
                value = Some(src.slice_ref(&s[value_start..i]));
                i = skip_wsp(b, i);
            }
            params.0.push(Param { name, value });
        }
        Ok(params)
    }

    /// Writes `;name=value` for each parameter.
    pub(crate) fn write(&self, out: &mut String) {
        for p in &self.0 {
            out.push(';');
            out.push_str(&p.name);
            if let Some(v) = &p.value {
                out.push('=');
                out.push_str(v);
            }
        }
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = &'a Param;
    type IntoIter = std::slice::Iter<'a, Param>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Param> for Params {
    fn from_iter<T: IntoIterator<Item = Param>>(iter: T) -> Self {
        Params(iter.into_iter().collect())
    }
}

pub(crate) fn skip_wsp(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lws_and_quotes() {
        let src = ByteStr::from(r#" ;   tag    = 1918181833n ; q = 0.33;lr; x="a;b" ;maddr=[::1]"#);
        let p = Params::parse_header(&src, &src).unwrap();
        assert_eq!(p.value("TAG").unwrap(), "1918181833n");
        assert_eq!(p.value("q").unwrap(), "0.33");
        assert!(p.contains("lr") && p.value("lr").is_none());
        assert_eq!(p.value("x").unwrap(), r#""a;b""#);
        assert_eq!(p.value("maddr").unwrap(), "[::1]");
    }

    #[test]
    fn rejects_empty_names() {
        for bad in [";;", ";", "; =x", ";a=", "x"] {
            let src = ByteStr::from(bad);
            assert!(Params::parse_header(&src, &src).is_err(), "{bad}");
        }
    }
}
