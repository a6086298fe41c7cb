//! The library is built with `test = false` (Cargo.toml), so a unit test written in `src` would never run:
//! this fails until it is moved here.

#[test]
fn the_library_holds_no_unit_tests_that_would_never_run() {
    let mut pending = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut found = Vec::new();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
        } else if std::fs::read_to_string(&path).unwrap().contains("#[cfg(test)]") {
            found.push(path);
        }
    }
    assert!(
        found.is_empty(),
        "unit tests in {found:?} never run (the lib has test = false): move them to tests/postgres"
    );
}
