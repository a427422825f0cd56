//! Splitting header values at commas that are not inside quotes or angle
//! brackets.

/// Iterator over the comma-separated elements of a header value, each trimmed
/// of surrounding white space. Commas inside quoted strings or `<...>` do not
/// split. An unterminated quote or bracket runs to the end of the value, so
/// the element parser reports it.
pub struct CommaSplit<'a> {
    rest: Option<&'a str>,
}

impl<'a> CommaSplit<'a> {
    /// Splits `value`.
    pub fn new(value: &'a str) -> Self {
        Self { rest: Some(value) }
    }
}

impl<'a> Iterator for CommaSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let b = s.as_bytes();
        let mut in_quotes = false;
        let mut angle = false;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if in_quotes => i += 1,
                b'"' if !angle => in_quotes = !in_quotes,
                b'<' if !in_quotes => angle = true,
                b'>' if !in_quotes => angle = false,
                b',' if !in_quotes && !angle => {
                    self.rest = s.get(i + 1..);
                    return s.get(..i).map(super::chars::trim_wsp);
                }
                _ => {}
            }
            i += 1;
        }
        self.rest = None;
        Some(super::chars::trim_wsp(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_brackets() {
        let v: Vec<_> = CommaSplit::new(r#""a, b" <sip:x,y@h>;p=1 , <sip:z> ,"#).collect();
        assert_eq!(v, vec![r#""a, b" <sip:x,y@h>;p=1"#, "<sip:z>", ""]);
        let v: Vec<_> = CommaSplit::new(r#""a\", b", c"#).collect();
        assert_eq!(v, vec![r#""a\", b""#, "c"]);
        assert_eq!(CommaSplit::new("").collect::<Vec<_>>(), vec![""]);
    }
}
