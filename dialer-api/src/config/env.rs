//! Environment overrides: `TRUNKLINE_SECTION__KEY=value` sets `key` in
//! `[section]`; `TRUNKLINE_TRUNKS__N__KEY=value` sets `key` in the `N`th
//! `[[trunks]]` entry (0-based; `N` may be one past the last entry to add a
//! trunk). Names are case-insensitive. An empty value removes the key, so its
//! default applies. Variables starting with `TRUNKLINE_` but without a
//! double underscore (`TRUNKLINE_CONFIG`, `TRUNKLINE_TESTDATA`) are not
//! overrides and are left alone.

use toml::{Table, Value};

use super::SECTIONS;
use super::error::{ConfigError, EnvProblem};
use super::reader::Origins;

/// The prefix of every override variable.
pub const ENV_PREFIX: &str = "TRUNKLINE_";

/// One parsed override.
struct Override {
    var: String,
    section: String,
    index: Option<usize>,
    key: String,
    value: String,
}

fn env_error(var: &str, problem: EnvProblem) -> ConfigError {
    ConfigError::Env {
        var: var.to_owned(),
        problem,
    }
}

fn parse(var: String, value: String) -> Result<Option<Override>, ConfigError> {
    let Some(rest) = override_suffix(&var) else {
        return Ok(None);
    };
    let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    let section = parts.first().cloned().unwrap_or_default();
    if !SECTIONS.contains(&section.as_str()) {
        return Err(env_error(&var, EnvProblem::UnknownSection { section }));
    }
    let (index, key) = if section == "trunks" {
        let [_, index, key] = parts.as_slice() else {
            return Err(env_error(
                &var,
                EnvProblem::BadShape {
                    expected: "TRUNKLINE_TRUNKS__<index>__<KEY>",
                },
            ));
        };
        let parsed = index.parse::<usize>().map_err(|_| {
            env_error(
                &var,
                EnvProblem::BadIndex {
                    index: index.clone(),
                },
            )
        })?;
        (Some(parsed), key.clone())
    } else {
        let [_, key] = parts.as_slice() else {
            return Err(env_error(
                &var,
                EnvProblem::BadShape {
                    expected: "TRUNKLINE_<SECTION>__<KEY>",
                },
            ));
        };
        (None, key.clone())
    };
    if key.is_empty() {
        return Err(env_error(
            &var,
            EnvProblem::BadShape {
                expected: "a key name after the double underscore",
            },
        ));
    }
    Ok(Some(Override {
        var,
        section,
        index,
        key,
        value,
    }))
}

/// The part after the prefix when `var` is an override (`TRUNKLINE_` in any
/// case, then text with a double underscore).
fn override_suffix(var: &str) -> Option<&str> {
    let prefix = var.get(..ENV_PREFIX.len())?;
    let rest = var.get(ENV_PREFIX.len()..)?;
    (prefix.eq_ignore_ascii_case(ENV_PREFIX) && rest.contains("__")).then_some(rest)
}

fn set(table: &mut Table, key: &str, value: String) {
    if value.is_empty() {
        table.remove(key);
    } else {
        table.insert(key.to_owned(), Value::String(value));
    }
}

/// Applies every override in `env` to `root` and returns which key each set.
pub(crate) fn apply(
    root: &mut Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Origins, ConfigError> {
    let mut overrides = Vec::new();
    for (var, value) in env {
        if let Some(o) = parse(var, value)? {
            overrides.push(o);
        }
    }
    overrides.sort_by(|a, b| (&a.section, a.index, &a.key).cmp(&(&b.section, b.index, &b.key)));
    let mut origins = Origins::default();
    for o in overrides {
        let section = root
            .entry(o.section.clone())
            .or_insert_with(|| match o.index {
                Some(_) => Value::Array(Vec::new()),
                None => Value::Table(Table::new()),
            });
        match o.index {
            None => {
                let Value::Table(table) = section else {
                    return Err(env_error(
                        &o.var,
                        EnvProblem::NotATable {
                            path: o.section,
                            key: o.key,
                        },
                    ));
                };
                origins.record(format!("{}.{}", o.section, o.key), o.var);
                set(table, &o.key, o.value);
            }
            Some(index) => {
                let Value::Array(entries) = section else {
                    return Err(env_error(
                        &o.var,
                        EnvProblem::NotATable {
                            path: o.section,
                            key: o.key,
                        },
                    ));
                };
                let len = entries.len();
                if index > len {
                    return Err(env_error(&o.var, EnvProblem::IndexGap { index, len }));
                }
                if index == len {
                    if o.value.is_empty() {
                        continue;
                    }
                    entries.push(Value::Table(Table::new()));
                }
                let Some(Value::Table(table)) = entries.get_mut(index) else {
                    return Err(env_error(
                        &o.var,
                        EnvProblem::NotATable {
                            path: format!("{}[{index}]", o.section),
                            key: o.key,
                        },
                    ));
                };
                origins.record(format!("{}[{index}].{}", o.section, o.key), o.var);
                set(table, &o.key, o.value);
            }
        }
    }
    Ok(origins)
}

/// The override variables of this process, as (name, value) pairs. Other
/// variables are skipped; an override whose value is not UTF-8 is an error.
pub(crate) fn process_env() -> Result<Vec<(String, String)>, ConfigError> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if override_suffix(name).is_none() {
            continue;
        }
        let value = value
            .into_string()
            .map_err(|_| env_error(name, EnvProblem::NotUtf8))?;
        vars.push((name.to_owned(), value));
    }
    Ok(vars)
}
