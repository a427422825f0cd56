//! The ordered header list of a message.

use super::HeaderName;
use crate::text::ByteStr;
use crate::text::split::CommaSplit;

/// One header line: its name and its value (unfolded and trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name.
    pub name: HeaderName,
    /// The value as received (folded lines joined by one space, outer white
    /// space trimmed).
    pub value: ByteStr,
}

/// The headers of a message, in order. Several lines with the same name are
/// kept apart; typed access (the methods in [`crate::header`]) parses values
/// on demand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<Header>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Room for `n` headers.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// Appends a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<ByteStr>) {
        self.entries.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a header line before all others (for a new top Via).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<ByteStr>) {
        self.entries.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Replaces all lines called `name` with one line holding `value`, at the
    /// position of the first one (or at the end).
    pub fn set(&mut self, name: HeaderName, value: impl Into<ByteStr>) {
        let value = value.into();
        match self.entries.iter().position(|h| h.name == name) {
            Some(first) => {
                self.entries[first].value = value;
                let mut i = 0;
                self.entries.retain(|h| {
                    let keep = i <= first || h.name != name;
                    i += 1;
                    keep
                });
            }
            None => self.entries.push(Header { name, value }),
        }
    }

    /// Removes every line called `name`; returns how many there were.
    pub fn remove(&mut self, name: &HeaderName) -> usize {
        let before = self.entries.len();
        self.entries.retain(|h| h.name != *name);
        before - self.entries.len()
    }

    /// The value of the first line called `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&ByteStr> {
        self.entries
            .iter()
            .find(|h| h.name == *name)
            .map(|h| &h.value)
    }

    /// The values of all lines called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a ByteStr> + use<'a> {
        let name = name.clone();
        self.entries
            .iter()
            .filter(move |h| h.name == name)
            .map(|h| &h.value)
    }

    /// Every comma-separated element of every line called `name`, each with
    /// the line's value it is a slice of. Only meaningful for list headers.
    pub fn elements<'a>(
        &'a self,
        name: &HeaderName,
    ) -> impl Iterator<Item = (&'a ByteStr, &'a str)> + use<'a> {
        self.get_all(name)
            .flat_map(|v| CommaSplit::new(v).map(move |e| (v, e)))
    }

    /// How many lines are called `name`.
    pub fn count(&self, name: &HeaderName) -> usize {
        self.entries.iter().filter(|h| h.name == *name).count()
    }

    /// Whether a line called `name` exists.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.entries.iter().any(|h| h.name == *name)
    }

    /// All lines in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.entries.iter()
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<T: IntoIterator<Item = Header>>(iter: T) -> Self {
        Headers {
            entries: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_all_in_place() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "a");
        h.push(HeaderName::To, "t");
        h.push(HeaderName::Via, "b");
        h.set(HeaderName::Via, "c");
        let names: Vec<_> = h
            .iter()
            .map(|x| (x.name.as_str().to_owned(), x.value.to_string()))
            .collect();
        assert_eq!(
            names,
            vec![("Via".into(), "c".into()), ("To".into(), "t".into())]
        );
        assert_eq!(h.remove(&HeaderName::To), 1);
        h.push(HeaderName::Via, "d, <e,f>");
        let els: Vec<_> = h.elements(&HeaderName::Via).map(|(_, e)| e).collect();
        assert_eq!(els, vec!["c", "d", "<e,f>"]);
    }
}
