//! Constant tables of the standard, entered as data (see `../README.md`).

pub mod lsp;
pub mod misc;
