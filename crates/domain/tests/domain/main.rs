//! The domain's integration tests, in one binary: one build and link instead of one per file. Each module
//! is one file's tests, named as before (`cargo test -p starkrisk-domain --test domain -- properties::`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod hashes;
mod model_vectors;
mod properties;
mod state_machines;
