//! Two lanes of work at once. Once the queries are drawn, a verification's trace decommitments, its
//! out-of-domain evaluation and its FRI layers' decommitments are independent of one another, so the
//! verifier runs them side by side on two cores.

/// Runs `a` on a scoped thread and `b` on this one, and returns both results. A panic in `a` resumes
/// here, as if both had run on this thread.
pub fn both<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
{
    std::thread::scope(|scope| {
        let lane = scope.spawn(a);
        let b = b();
        match lane.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
