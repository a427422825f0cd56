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

    /// The cursor of the page after `rows` (a page of at most `limit` rows, newest first), or
    /// `None` when the page came back short, so it is the last. `position` gives a row's
    /// `(created_at, id)`.
    pub fn after_page<T>(
        rows: &[T],
        limit: i64,
        position: impl FnOnce(&T) -> (i64, String),
    ) -> Option<String> {
        if i64::try_from(rows.len()).ok()? != limit {
            return None;
        }
        let (created_at, id) = position(rows.last()?);
        Some(Self { created_at, id }.encode())
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

    #[test]
    fn a_full_page_has_a_next_cursor() {
        let rows = [(3, "c"), (2, "b")];
        let position = |r: &(i64, &str)| (r.0, r.1.to_owned());
        let next = Cursor::after_page(&rows, 2, position).unwrap();
        assert_eq!(
            Cursor::decode(&next),
            Some(Cursor {
                created_at: 2,
                id: "b".into()
            })
        );
        assert_eq!(Cursor::after_page(&rows, 3, position), None);
        assert_eq!(Cursor::after_page(&rows[..0], 0, position), None);
    }
}
