//! Reference C codecs loaded at run time with `dlopen`, used as oracles by
//! tests and benches only. Nothing here is linked into the `trunkline` binary.
//!
//! When a library is missing, [`load`] panics if the `CI` environment
//! variable is set (an oracle is required there) and otherwise prints why
//! the check is skipped and returns `None`.

use libloading::Library;

/// Opens the first of `candidates` that loads. Panics when none does and
/// `CI` is set; otherwise prints a skip notice naming `package` and returns `None`.
pub fn load(candidates: &[&str], package: &str) -> Option<Library> {
    let mut last_error = String::new();
    for name in candidates {
        // SAFETY: the candidates are well-known system codec libraries whose
        // initialisers have no preconditions.
        match unsafe { Library::new(name) } {
            Ok(lib) => return Some(lib),
            Err(e) => last_error = e.to_string(),
        }
    }
    let message = format!(
        "oracle {package} not available ({last_error}); install it with `apt-get install {package}`"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}: required when CI is set");
    }
    eprintln!("SKIPPED: {message}");
    None
}

pub mod bcg729;
pub mod libgsm;
pub mod signals;
