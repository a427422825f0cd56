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
