//! Typed reads from one TOML table, with errors that name the full key.
//!
//! Environment overrides arrive as strings, so wherever a number, boolean or
//! list is expected a string is accepted too (`"10000"`, `"true"`,
//! `"PCMU,G729"`).

use std::collections::HashMap;

use toml::{Table, Value};

use super::error::{ConfigError, KeyPath, Problem};

/// Which environment variable set which key (full key path to variable name).
#[derive(Debug, Default)]
pub(crate) struct Origins(HashMap<String, String>);

impl Origins {
    pub(crate) fn record(&mut self, key: String, var: String) {
        self.0.insert(key, var);
    }

    fn of(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// Builds the error for `key` (a full path), naming the variable that set it.
pub(crate) fn invalid(origins: &Origins, key: String, problem: Problem) -> ConfigError {
    let origin = origins.of(&key);
    ConfigError::Invalid {
        key,
        origin,
        problem,
    }
}

/// The TOML type of a value, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// One table being read: where it sits (`sip`, `trunks[0]`) and its keys.
pub(crate) struct Fields<'a> {
    path: String,
    table: &'a Table,
    origins: &'a Origins,
}

impl<'a> Fields<'a> {
    /// Starts reading `table` at `path`; fails on any key not in `known`.
    pub(crate) fn new(
        path: String,
        table: &'a Table,
        origins: &'a Origins,
        known: &'static [&'static str],
    ) -> Result<Fields<'a>, ConfigError> {
        let fields = Fields {
            path,
            table,
            origins,
        };
        let mut keys: Vec<&String> = table.keys().collect();
        keys.sort();
        if let Some(unknown) = keys.into_iter().find(|k| !known.contains(&k.as_str())) {
            return Err(fields.error(unknown, Problem::UnknownKey { known }));
        }
        Ok(fields)
    }

    /// The full path of `key` in this table.
    pub(crate) fn key_path(&self, key: &str) -> String {
        KeyPath {
            table: &self.path,
            key,
        }
        .to_string()
    }

    /// An error about `key` in this table.
    pub(crate) fn error(&self, key: &str, problem: Problem) -> ConfigError {
        invalid(self.origins, self.key_path(key), problem)
    }

    fn wrong_type(&self, key: &str, expected: &'static str, found: &Value) -> ConfigError {
        self.error(
            key,
            Problem::WrongType {
                expected,
                found: type_name(found),
            },
        )
    }

    /// A string value, if present.
    pub(crate) fn text(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    /// A string value that must be present.
    pub(crate) fn required_text(&self, key: &str) -> Result<&'a str, ConfigError> {
        self.text(key)?
            .ok_or_else(|| self.error(key, Problem::Missing))
    }

    /// A whole number from `min` to `max`, if present.
    pub(crate) fn uint(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, ConfigError> {
        let out_of_range = |value: String| self.error(key, Problem::NotInRange { value, min, max });
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) => u64::try_from(*n)
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| out_of_range(n.to_string())),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| out_of_range(s.clone())),
            Some(other) => Err(self.wrong_type(key, "an integer", other)),
        }
    }

    /// `true` or `false`, if present.
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(self.error(key, Problem::NotABool { value: s.clone() })),
            },
            Some(other) => Err(self.wrong_type(key, "a boolean", other)),
        }
    }

    /// A list of strings (a TOML array, or one comma-separated string), if present.
    pub(crate) fn list(&self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.wrong_type(key, "an array of strings", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong_type(key, "an array of strings", other)),
        }
    }
}

/// Rejects text with control characters (a CR or LF would split a SIP header).
pub(crate) fn no_control_chars(
    fields: &Fields<'_>,
    key: &str,
    value: &str,
) -> Result<(), ConfigError> {
    if value.chars().any(char::is_control) {
        return Err(fields.error(key, Problem::ControlCharacters));
    }
    Ok(())
}
