//! The Stone adapter's integration tests, in one binary: one build and link instead of one per file. Each
//! module is one file's tests, named as before (`cargo test -p starkrisk-stone --test stone -- real_stone::`
//! runs one of them); run together, the Stone proofs of one module overlap the checks of the others.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod fixtures;
mod oods;
mod parse;
mod program;
mod prover;
mod python_parity;
mod real_stone;
mod split;
