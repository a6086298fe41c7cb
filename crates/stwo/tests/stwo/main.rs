//! The S-two adapter's integration tests, in one binary: one build and link instead of one per file. Each
//! module is one file's tests, named as before (`cargo test -p starkrisk-stwo --test stwo -- tampering::`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod adapters;
mod envelope;
mod round_trip;
mod tampering;
