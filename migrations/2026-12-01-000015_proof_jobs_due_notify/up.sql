-- Workers LISTEN on `proof_jobs_due`: a job that can be claimed now (queued, released, or made due by an
-- operator) wakes the workers of every replica at once instead of at their next poll. Jobs that become due
-- later (a retry's backoff) and expired leases are still found by polling. The statuses are those of
-- `ProofJob::has_work`, as in the partial index `proof_jobs_claimable`.
CREATE FUNCTION proof_jobs_notify_due() RETURNS TRIGGER AS $$
BEGIN
    -- One payload for all: Postgres folds a transaction's identical notifications into one.
    PERFORM pg_notify('proof_jobs_due', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- The condition sits in WHEN, so the claims and saves that wake nobody (every one made under a lease) never
-- call the function.
CREATE TRIGGER proof_jobs_due_notify AFTER INSERT OR UPDATE OF status, next_attempt_at, lease_owner ON proof_jobs
    FOR EACH ROW
    WHEN (NEW.lease_owner IS NULL AND NEW.next_attempt_at <= now()
          AND (NEW.status IN ('queued', 'proving', 'proved')
               OR (NEW.status IN ('verified', 'registered') AND NEW.decision_id IS NOT NULL)))
    EXECUTE FUNCTION proof_jobs_notify_due();
