//! Where the shared test data lives: `TRUNKLINE_TESTDATA`, else the first
//! `shared/testdata` above the crate. Included with `#[path]` by
//! sip-core's RFC 4475 table and by the benches crate's peer comparison.

use std::path::PathBuf;

/// The shared test data directory, if there is one.
pub fn testdata_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TRUNKLINE_TESTDATA") {
        return Some(PathBuf::from(dir));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared/testdata"))
        .find(|p| p.is_dir())
}
