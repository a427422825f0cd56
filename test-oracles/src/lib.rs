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
    unavailable(&format!(
        "oracle {package} not available ({last_error}); install it with `apt-get install {package}`"
    ))
}

/// Looks up the function `name` (NUL-terminated) in `library`, with the
/// same policy as [`load`]: a panic under CI, a skip notice and `None`
/// otherwise, when the library lacks it.
///
/// # Safety
/// `T` must be the function-pointer type the library's header declares for `name`.
pub unsafe fn function<T: Copy>(library: &Library, name: &[u8], package: &str) -> Option<T> {
    // SAFETY: the caller guarantees that `T` matches the symbol's C type.
    match unsafe { library.get::<T>(name) } {
        Ok(symbol) => Some(*symbol),
        Err(e) => unavailable(&format!(
            "oracle {package} lacks the function {} ({e}); install a complete `{package}`",
            String::from_utf8_lossy(name.strip_suffix(b"\0").unwrap_or(name))
        )),
    }
}

/// Panics when `CI` is set; otherwise prints the skip notice and returns `None`.
fn unavailable<T>(message: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("{message}: required when CI is set");
    }
    eprintln!("SKIPPED: {message}");
    None
}

pub mod bcg729;
pub mod libgsm;
pub mod signals;
