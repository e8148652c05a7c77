//! The per-file semantic model: name resolution and function summaries.

pub mod builder;
pub mod lists;
pub mod model;

pub use model::*;
