//! The Starknet adapter's integration tests, in one binary: one build and link instead of one per file, and
//! one devnet per run (`starkrisk_starknet::testing::Devnet`) whose tests take it in turn. Each module is one
//! file's tests, named as before (`cargo test -p starkrisk-starknet --test starknet -- vault::`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod support;

mod devnet;
mod integrity_devnet;
mod markets;
mod registry;
mod vault;
