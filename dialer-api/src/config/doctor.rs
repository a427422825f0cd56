//! `[doctor]`: settings of `trunkline doctor` only.

use super::e164::normalize_e164;
use super::error::{ConfigError, Problem};
use super::reader::{Fields, Origins, no_control_chars};

/// `[doctor]`: what `trunkline doctor` may do beyond probing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DoctorConfig {
    /// A number (or SIP user) that answers at once, such as the provider's
    /// echo test, called to see which codec the trunk picks (`test_number`).
    /// E.164 numbers are normalised; other dial strings (`*43`) are kept.
    pub test_number: Option<String>,
}

pub(crate) fn read_doctor(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<DoctorConfig, ConfigError> {
    let Some(table) = table else {
        return Ok(DoctorConfig::default());
    };
    let f = Fields::new("doctor".into(), table, origins, &["test_number"])?;
    let test_number = match f.text("test_number")?.map(str::trim) {
        None | Some("") => None,
        Some(number) => {
            no_control_chars(&f, "test_number", number)?;
            if number.starts_with('+') {
                Some(normalize_e164(number, None).map_err(|e| f.error("test_number", e.into()))?)
            } else if number.contains(char::is_whitespace) {
                return Err(f.error(
                    "test_number",
                    Problem::BadTestNumber {
                        value: number.to_owned(),
                    },
                ));
            } else {
                Some(number.to_owned())
            }
        }
    };
    Ok(DoctorConfig { test_number })
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError, Problem};

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_sources(
            text,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn test_number_is_normalised_kept_or_refused() {
        let number = |text: &str| load(text, &[]).map(|c| c.doctor.test_number);
        assert_eq!(number("").unwrap(), None);
        assert_eq!(number("[doctor]\n").unwrap(), None);
        assert_eq!(
            number("[doctor]\ntest_number = \"+60 12-345 6789\"\n").unwrap(),
            Some("+60123456789".into())
        );
        assert_eq!(
            number("[doctor]\ntest_number = \"*43\"\n").unwrap(),
            Some("*43".into())
        );
        let err = number("[doctor]\ntest_number = \"echo test\"\n").unwrap_err();
        assert_eq!(err.key(), Some("doctor.test_number"));
        assert!(matches!(err.problem(), Some(Problem::BadTestNumber { .. })));
        let err = number("[doctor]\ntest_number = \"+999\"\n").unwrap_err();
        assert_eq!(err.key(), Some("doctor.test_number"));
        let err = number("[doctor]\nnumber = \"*43\"\n").unwrap_err();
        assert_eq!(err.key(), Some("doctor.number"));
    }

    #[test]
    fn test_number_comes_from_the_environment_too() {
        let c = load("", &[("TRUNKLINE_DOCTOR__TEST_NUMBER", "9196")]).unwrap();
        assert_eq!(c.doctor.test_number.as_deref(), Some("9196"));
    }
}
