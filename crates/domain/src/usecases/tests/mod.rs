//! Use-case tests over mocked provers, verifiers and chain ports, and an in-memory store with the same
//! compare-and-set rules as the real one.

mod binding;
mod chain;
mod journaling;
mod planning;
mod proving;
mod rebalancing;
mod retrying;
mod sampling;
mod submitting;
mod support;
