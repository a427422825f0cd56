//! Opaque pagination cursors: the position `(created_at, id)` of the last row of a page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// Position after which the next page starts (lists are newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `created_at` of the last row seen.
    pub created_at: i64,
    /// `id` of the last row seen.
    pub id: String,
}

impl Cursor {
    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        B64.encode(format!("{}:{}", self.created_at, self.id))
    }

    /// Parses a cursor produced by [`Cursor::encode`]; `None` if it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        let raw = B64.decode(text).ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (at, id) = raw.split_once(':')?;
        Some(Self {
            created_at: at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn round_trip_and_garbage() {
        let c = Cursor {
            created_at: 1234,
            id: "abc-def".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("%%%"), None);
        assert_eq!(Cursor::decode("bm9jb2xvbg"), None);
    }
}
