//! The first check: the configuration file loads and validates. On failure
//! the line names the key and the reason, and the doctor stops.

use std::path::Path;

use super::check::Check;
use crate::config::{Config, ConfigError};

/// The line for loading `path`, which gave `loaded`.
pub fn config_check(path: &Path, loaded: &Result<Config, ConfigError>) -> Check {
    let name = format!("config {}", path.display());
    match loaded {
        Ok(config) => {
            let trunks: Vec<&str> = config.trunks.iter().map(|t| t.name.as_str()).collect();
            let handler = config.handler.as_ref().map_or("none".to_owned(), |h| {
                format!("{} {}", h.protocol(), h.url())
            });
            Check::pass(
                name,
                format!(
                    "valid; trunks: {}; handler: {handler}",
                    if trunks.is_empty() {
                        "none".to_owned()
                    } else {
                        trunks.join(", ")
                    }
                ),
            )
        }
        Err(e) => Check::fail(name, e.to_string(), advice(path, e)),
    }
}

fn advice(path: &Path, error: &ConfigError) -> String {
    match error {
        ConfigError::Read { .. } => "check the path and that this user may read it".to_owned(),
        ConfigError::Syntax { .. } => {
            format!(
                "fix the TOML syntax in {} at the place shown",
                path.display()
            )
        }
        ConfigError::Env { var, .. } => format!("fix or unset {var}"),
        ConfigError::Invalid {
            origin: Some(var), ..
        } => format!("fix {var}"),
        ConfigError::Invalid { key, .. } => format!("fix {key} in {}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    #[test]
    fn an_invalid_key_is_named_with_the_reason() {
        let text = "[[trunks]]\nname = \"t\"\nproxies = [\"sip1.example.com\"]\nusername = \"u\"\n\
                    caller_id = \"+60123456789\"\ncodecs = [\"OPUS\"]\n";
        let loaded = Config::from_sources(text, Vec::new());
        let check = config_check(Path::new("t.toml"), &loaded);
        assert_eq!(check.status, Status::Fail);
        assert_eq!(
            check.to_string(),
            "FAIL config t.toml: trunks[0].codecs: unknown codec 'OPUS' (expected PCMU, PCMA, \
             G729 or GSM): fix trunks[0].codecs in t.toml"
        );
        let ok = Config::from_sources("", Vec::new());
        assert_eq!(config_check(Path::new("t.toml"), &ok).status, Status::Pass);
    }
}
