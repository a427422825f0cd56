//! The SIP protocol version of a start line.

use std::fmt;

/// `SIP/major.minor`. Only 2.0 is supported; other versions parse so a UA can
/// answer 505.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// Major number.
    pub major: u16,
    /// Minor number.
    pub minor: u16,
}

impl Version {
    /// SIP/2.0.
    pub const SIP_2_0: Version = Version { major: 2, minor: 0 };

    /// Parses `SIP/d.d` (the `SIP` literal case-insensitively).
    pub(crate) fn parse(s: &str) -> Option<Version> {
        let prefix = s.get(..4)?;
        if !prefix.eq_ignore_ascii_case("SIP/") {
            return None;
        }
        let (major, minor) = s[4..].split_once('.')?;
        let num = |t: &str| {
            if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                t.parse::<u16>().ok()
            }
        };
        Some(Version {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

impl Default for Version {
    fn default() -> Self {
        Version::SIP_2_0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/{}.{}", self.major, self.minor)
    }
}
