//! Phone numbers in E.164 form (`+60123456789`), checked against the
//! numbering plans in the `phonenumber` crate.

use std::str::FromStr;

use phonenumber::{Mode, country};

/// Why a phone number cannot be turned into E.164.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum E164Error {
    /// Nothing (or only spaces) was given.
    #[error("the phone number is empty")]
    Empty,
    /// A national number (no leading `+`) and no region to read it in.
    #[error("'{input}' has no country code: write it as +<country code><number>")]
    NoCountryCode {
        /// The number given.
        input: String,
    },
    /// The default region is not an ISO 3166 alpha-2 code the numbering plans know.
    #[error("'{region}' is not a known two-letter region code (e.g. MY, US, GB)")]
    UnknownRegion {
        /// The region given.
        region: String,
    },
    /// The text does not parse as a phone number, or the number is not valid
    /// in its country's numbering plan.
    #[error("'{input}' is not a valid E.164 number")]
    Invalid {
        /// The number given.
        input: String,
    },
}

/// Normalises a phone number to E.164 (`+` then digits only).
///
/// `input` may contain spaces, dashes, dots and parentheses. A number
/// without a leading `+` is read as a national number of `default_region`
/// (ISO 3166 alpha-2, e.g. `"MY"`), so `012-345 6789` with `Some("MY")`
/// becomes `+60123456789`. The result must be a valid number in its
/// country's numbering plan.
pub fn normalize_e164(input: &str, default_region: Option<&str>) -> Result<String, E164Error> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(E164Error::Empty);
    }
    let invalid = || E164Error::Invalid {
        input: input.to_owned(),
    };
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
        || trimmed.chars().skip(1).any(|c| c == '+')
    {
        return Err(invalid());
    }
    let region = if trimmed.starts_with('+') {
        None
    } else {
        let Some(code) = default_region else {
            return Err(E164Error::NoCountryCode {
                input: input.to_owned(),
            });
        };
        let id = country::Id::from_str(&code.trim().to_ascii_uppercase()).map_err(|_| {
            E164Error::UnknownRegion {
                region: code.to_owned(),
            }
        })?;
        Some(id)
    };
    let number = phonenumber::parse(region, trimmed).map_err(|_| invalid())?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid());
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// The ISO 3166 alpha-2 region of an E.164 number (e.g. `"MY"` for
/// `+60123456789`), to read national numbers dialled through a trunk whose
/// caller ID is in that country. `None` when the number is not valid or
/// its country code covers no single region.
pub fn region_of(e164: &str) -> Option<String> {
    let number = phonenumber::parse(None, e164).ok()?;
    let id = number.country().id()?;
    Some(id.as_ref().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_formatted_international_numbers() {
        assert_eq!(
            normalize_e164("+60 12-345 6789", None).as_deref(),
            Ok("+60123456789")
        );
        assert_eq!(
            normalize_e164(" +1 (415) 555-2671 ", None).as_deref(),
            Ok("+14155552671")
        );
    }

    #[test]
    fn reads_national_numbers_in_the_default_region() {
        assert_eq!(
            normalize_e164("012-345 6789", Some("MY")).as_deref(),
            Ok("+60123456789")
        );
        assert_eq!(
            normalize_e164("020 7946 0018", Some("gb")).as_deref(),
            Ok("+442079460018")
        );
    }

    #[test]
    fn rejects_numbers_that_are_too_short_or_not_numbers() {
        assert_eq!(
            normalize_e164("+6012", None),
            Err(E164Error::Invalid {
                input: "+6012".into()
            })
        );
        assert_eq!(
            normalize_e164("+6012", None).unwrap_err().to_string(),
            "'+6012' is not a valid E.164 number"
        );
        assert!(matches!(
            normalize_e164("call me", None),
            Err(E164Error::Invalid { .. })
        ));
        assert!(matches!(
            normalize_e164("+60+123456789", None),
            Err(E164Error::Invalid { .. })
        ));
        assert_eq!(normalize_e164("  ", None), Err(E164Error::Empty));
    }

    #[test]
    fn national_numbers_need_a_region() {
        assert!(matches!(
            normalize_e164("0123456789", None),
            Err(E164Error::NoCountryCode { .. })
        ));
        assert!(matches!(
            normalize_e164("0123456789", Some("XX")),
            Err(E164Error::UnknownRegion { .. })
        ));
    }

    #[test]
    fn finds_the_region_of_a_number() {
        assert_eq!(region_of("+60123456789").as_deref(), Some("MY"));
        assert_eq!(region_of("+442079460018").as_deref(), Some("GB"));
        assert_eq!(region_of("nonsense"), None);
    }
}
