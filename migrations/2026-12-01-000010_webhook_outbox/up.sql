-- Webhooks through a transactional outbox: every decision or job status change writes its event, and one
-- delivery per subscribed endpoint, in the transaction that made the change (triggers, so no writer can
-- forget). Deliverers claim due deliveries with SKIP LOCKED and record every attempt.

-- The configured endpoints, synced from [[webhooks]] at startup.
CREATE TABLE webhook_endpoints (
    url        TEXT   PRIMARY KEY CHECK (length(url) BETWEEN 1 AND 2000),
    events     TEXT[] NOT NULL
);

CREATE TABLE webhook_events (
    id         UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    event      TEXT        NOT NULL,
    payload    JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    event_id        UUID        NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint        TEXT        NOT NULL REFERENCES webhook_endpoints (url) ON DELETE CASCADE,
    attempts        INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until     TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (created_at DESC);

CREATE FUNCTION webhook_emit(kind TEXT, body JSONB) RETURNS VOID AS $$
DECLARE
    new_id UUID;
BEGIN
    INSERT INTO webhook_events (event, payload) VALUES (kind, body) RETURNING id INTO new_id;
    INSERT INTO webhook_deliveries (event_id, endpoint)
        SELECT new_id, url FROM webhook_endpoints WHERE kind = ANY (events) OR '*' = ANY (events);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION webhook_decision_changed() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM webhook_emit('decision.' || NEW.status, jsonb_build_object(
            'decision_id', NEW.id, 'status', NEW.status,
            'previous_status', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
            'proof_job_id', NEW.proof_job_id, 'model_version', NEW.model_version,
            'jediswap_pct', NEW.jediswap_bps, 'ekubo_pct', NEW.ekubo_bps,
            'tx_hash', NEW.tx_hash, 'block_number', NEW.block_number, 'message', NEW.message,
            'at', NEW.updated_at));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION webhook_job_changed() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM webhook_emit('job.' || NEW.status, jsonb_build_object(
            'proof_job_id', NEW.id, 'status', NEW.status,
            'previous_status', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
            'decision_id', NEW.decision_id, 'prover', NEW.prover, 'retries', NEW.retries,
            'error', COALESCE(NEW.failure ->> 'reason', NEW.last_error), 'at', NEW.updated_at));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER allocation_decisions_webhooks AFTER INSERT OR UPDATE OF status ON allocation_decisions
    FOR EACH ROW EXECUTE FUNCTION webhook_decision_changed();
CREATE TRIGGER proof_jobs_webhooks AFTER INSERT OR UPDATE OF status ON proof_jobs
    FOR EACH ROW EXECUTE FUNCTION webhook_job_changed();
