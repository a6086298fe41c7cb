//! Proofs one suite run makes once and all its test processes share: the suite runs many test binaries,
//! and several of them need the same Stone proof (the README's first decision, the impostor's), each
//! about 22 s of CPU. `just test` names a fresh directory in `STARKRISK_SHARED_PROOFS` for the run and
//! deletes it afterwards, so every proof read from it was made by the real Stone in this run; without the
//! variable (one `cargo test` by hand) each process makes its own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the report

use std::fs::File;
use std::path::Path;

use starknet_types_core::hash::{Poseidon, StarkHash};
use starkrisk_domain::Felt;

/// The variable naming the run's directory of shared proofs.
pub const ENV: &str = "STARKRISK_SHARED_PROOFS";

/// The proof named `kind` of `words` (the statement it states), read from the run's directory when another
/// process made it, else made by `make` and left there. A lock per proof makes a second process wait for
/// the first one's proof instead of proving it again beside it.
pub fn made_once(kind: &str, words: &[Felt], make: impl FnOnce() -> String) -> String {
    match std::env::var_os(ENV) {
        Some(dir) => made_once_in(Path::new(&dir), kind, words, make),
        None => make(),
    }
}

/// [`made_once`] with the run's directory given.
pub fn made_once_in(dir: &Path, kind: &str, words: &[Felt], make: impl FnOnce() -> String) -> String {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {ENV}={}: {e}", dir.display()));
    let name = format!("{kind}-{:x}", Poseidon::hash_array(words));
    let lock = File::create(dir.join(format!("{name}.lock"))).expect("the proof's lock file is created");
    // Released when `lock` is dropped, whether this process proved or read.
    lock.lock().expect("the proof's lock is taken");
    let path = dir.join(format!("{name}.json"));
    if let Ok(proof) = std::fs::read_to_string(&path) {
        return proof;
    }
    let proof = make();
    // Written aside and renamed, so a process that dies mid-write leaves no half proof behind.
    let partial = dir.join(format!("{name}.partial"));
    std::fs::write(&partial, &proof).expect("the shared proof is written");
    std::fs::rename(&partial, &path).expect("the shared proof is put in place");
    proof
}
