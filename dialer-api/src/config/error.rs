//! Typed configuration errors: every one names the key (or environment
//! variable) at fault and says what is wrong with it.

use std::fmt;
use std::path::PathBuf;

use super::e164::E164Error;

/// A configuration that cannot be loaded or does not validate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("configuration is not valid TOML: {message}")]
    Syntax {
        /// The TOML parser's message, with line and column.
        message: String,
    },
    /// An environment variable of the `TRUNKLINE_SECTION__KEY` form cannot be applied.
    #[error("environment variable {var}: {problem}")]
    Env {
        /// The variable's name.
        var: String,
        /// What is wrong with it.
        problem: EnvProblem,
    },
    /// A key holds a value Trunkline cannot use.
    #[error("{key}{}: {problem}", origin_suffix(.origin))]
    Invalid {
        /// The full key, e.g. `trunks[0].caller_id`.
        key: String,
        /// The environment variable that set the value, when one did.
        origin: Option<String>,
        /// What is wrong with the value.
        problem: Problem,
    },
}

fn origin_suffix(origin: &Option<String>) -> String {
    match origin {
        Some(var) => format!(" (set by {var})"),
        None => String::new(),
    }
}

impl ConfigError {
    /// The key at fault, for [`ConfigError::Invalid`].
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The problem with the value, for [`ConfigError::Invalid`].
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ConfigError::Invalid { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// Why an environment override cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvProblem {
    /// The section after `TRUNKLINE_` is not one Trunkline has.
    #[error("unknown section '{section}' (expected one of: {})", super::SECTIONS.join(", "))]
    UnknownSection {
        /// The section name, lower-cased.
        section: String,
    },
    /// The name does not have the shape `TRUNKLINE_SECTION__KEY` (or `TRUNKLINE_TRUNKS__N__KEY`).
    #[error("expected {expected}")]
    BadShape {
        /// The shape this section takes.
        expected: &'static str,
    },
    /// An array index that is not a number.
    #[error("'{index}' is not an index")]
    BadIndex {
        /// The text where the index should be.
        index: String,
    },
    /// An array index past the end, leaving a gap.
    #[error(
        "index {index} leaves a gap: there are {len} trunks before it, so the next index is {len}"
    )]
    IndexGap {
        /// The index given.
        index: usize,
        /// How many entries exist before it.
        len: usize,
    },
    /// The value is not valid UTF-8.
    #[error("the value is not valid UTF-8")]
    NotUtf8,
    /// The file holds something other than a table where the override goes.
    #[error("{path} in the file is not a table, so {key} cannot be set in it")]
    NotATable {
        /// What the file holds at that place.
        path: String,
        /// The key the variable sets.
        key: String,
    },
}

/// What is wrong with one configuration value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A key that must be present is missing.
    #[error("is required")]
    Missing,
    /// A key Trunkline does not know (often a typo).
    #[error("unknown key (expected one of: {})", .known.join(", "))]
    UnknownKey {
        /// The keys this table takes.
        known: &'static [&'static str],
    },
    /// The value has the wrong TOML type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// The type wanted, e.g. `a string`.
        expected: &'static str,
        /// The type given, e.g. `an integer`.
        found: &'static str,
    },
    /// A text value that must not be empty.
    #[error("must not be empty")]
    Empty,
    /// A text value with control characters (CR, LF, NUL...), which would break SIP headers.
    #[error("must not contain control characters")]
    ControlCharacters,
    /// A SIP user name with characters a SIP URI's user part cannot carry.
    #[error(
        "'{value}' cannot be a SIP user name (letters, digits and -_.!~*'()&=+$,;?/% only; no spaces or @)"
    )]
    BadSipUser {
        /// The value given.
        value: String,
    },
    /// A value that is not a number in the allowed range.
    #[error("'{value}' is not a whole number from {min} to {max}")]
    NotInRange {
        /// The value given.
        value: String,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A value that is not `true` or `false`.
    #[error("'{value}' is not true or false")]
    NotABool {
        /// The value given.
        value: String,
    },
    /// Not an `ip:port` socket address.
    #[error("'{value}' is not an ip:port address (e.g. 0.0.0.0:5060)")]
    BadSocketAddr {
        /// The value given.
        value: String,
    },
    /// Not an IP address.
    #[error("'{value}' is not an IP address")]
    BadIpAddr {
        /// The value given.
        value: String,
    },
    /// Not a host name or IP address.
    #[error("'{value}' is not a host name or IP address")]
    BadHost {
        /// The value given.
        value: String,
    },
    /// A SIP proxy that is not `host` or `host:port`.
    #[error("'{value}' is not a proxy address: {reason}")]
    BadProxy {
        /// The value given.
        value: String,
        /// Why not.
        reason: &'static str,
    },
    /// A list that must hold at least one entry.
    #[error("must list at least one entry")]
    EmptyList,
    /// A phone number that is not valid E.164.
    #[error(transparent)]
    PhoneNumber(#[from] E164Error),
    /// A codec name Trunkline does not know.
    #[error("unknown codec '{value}' (expected PCMU, PCMA, G729 or GSM)")]
    UnknownCodec {
        /// The name given.
        value: String,
    },
    /// A codec listed twice.
    #[error("codec '{value}' is listed twice")]
    DuplicateCodec {
        /// The name given.
        value: String,
    },
    /// A SIP transport other than UDP.
    #[error("transport '{value}' is not supported (only udp)")]
    UnsupportedTransport {
        /// The value given.
        value: String,
    },
    /// Two trunks with one name.
    #[error("trunk name '{name}' is used twice")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// `port_min` above `port_max`.
    #[error("port_min {min} is above port_max {max}")]
    PortRangeInverted {
        /// `port_min`.
        min: u16,
        /// `port_max`.
        max: u16,
    },
    /// A port range without room for one RTP/RTCP pair.
    #[error(
        "ports {min}-{max} hold no even/odd pair for RTP and RTCP (a call needs an even port and the one above it)"
    )]
    PortRangeTooSmall {
        /// `port_min`.
        min: u16,
        /// `port_max`.
        max: u16,
    },
    /// A handler protocol Trunkline does not speak.
    #[error("unknown protocol '{value}' (expected twilio, pcm or audiosocket)")]
    UnknownProtocol {
        /// The value given.
        value: String,
    },
    /// A handler URL that does not fit its protocol.
    #[error("'{value}' is not a valid {protocol} handler address: {reason}")]
    BadHandlerUrl {
        /// The value given.
        value: String,
        /// The protocol it was checked for.
        protocol: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// A sample rate the protocol does not allow.
    #[error("{value} Hz is not allowed for protocol {protocol} (allowed: {allowed})")]
    SampleRateNotAllowed {
        /// The value given.
        value: u32,
        /// The handler protocol.
        protocol: &'static str,
        /// The allowed rates.
        allowed: &'static str,
    },
    /// A storage URL that is neither SQLite nor PostgreSQL.
    #[error("'{value}' is not a sqlite:// or postgres:// URL")]
    BadStorageUrl {
        /// The value given.
        value: String,
    },
    /// A secret that is too short to be safe.
    #[error("is too short: use at least {min} characters")]
    TooShort {
        /// The minimum length.
        min: usize,
    },
    /// A `[doctor] test_number` that is neither E.164 nor a dial string without spaces.
    #[error(
        "'{value}' is not a number to dial: write +<country code><number> or a dial string without spaces"
    )]
    BadTestNumber {
        /// The value given.
        value: String,
    },
    /// An encryption key that is not base64 of 32 bytes.
    #[error("must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`")]
    BadSecretKey,
}

/// A key relative to its table plus its full path, used while reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyPath<'a> {
    pub(crate) table: &'a str,
    pub(crate) key: &'a str,
}

impl fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.table.is_empty() {
            f.write_str(self.key)
        } else {
            write!(f, "{}.{}", self.table, self.key)
        }
    }
}
