-- starkrisk's first schema: model versions, proof jobs (the work queue), allocation decisions, and
-- idempotency keys. CHECK constraints mirror the domain's ranges so no writer can store what the domain
-- would refuse.

CREATE TABLE model_versions (
    version        INTEGER     PRIMARY KEY CHECK (version >= 1),
    params         JSONB       NOT NULL,
    model_hash     TEXT        NOT NULL UNIQUE,
    program_hash   TEXT        NOT NULL,
    status         TEXT        NOT NULL CHECK (status IN ('active', 'superseded')),
    registered_by  TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- At most one active model.
CREATE UNIQUE INDEX model_versions_one_active ON model_versions (status) WHERE status = 'active';

CREATE TABLE proof_jobs (
    id                UUID        PRIMARY KEY,
    -- The decision this job proves; not a foreign key because decisions reference their job.
    decision_id       UUID,
    status            TEXT        NOT NULL CHECK (status IN
                          ('queued', 'proving', 'proved', 'verified', 'registered', 'executed', 'failed')),
    provers           TEXT[]      NOT NULL,
    prover            TEXT,
    attempts          JSONB       NOT NULL DEFAULT '[]',
    statement         JSONB       NOT NULL,
    public_output     JSONB,
    proof_system      TEXT        CHECK (proof_system IN ('stone', 'stwo')),
    proof             BYTEA,
    proof_size        INTEGER     CHECK (proof_size >= 0),
    proof_hash        TEXT,
    prove_time_ms     BIGINT      CHECK (prove_time_ms >= 0),
    claim             JSONB,
    fact_hash         TEXT,
    verification_hash TEXT,
    security_bits     INTEGER     CHECK (security_bits >= 0),
    registration      JSONB,
    failure           JSONB,
    last_error        TEXT,
    retries           INTEGER     NOT NULL DEFAULT 0 CHECK (retries >= 0),
    next_attempt_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner       TEXT,
    lease_expires_at  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((proof IS NULL) = (proof_system IS NULL)),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
CREATE INDEX proof_jobs_due ON proof_jobs (status, next_attempt_at);
-- The claim query scans only unfinished jobs in due order, however many finished ones pile up.
CREATE INDEX proof_jobs_claimable ON proof_jobs (next_attempt_at, created_at)
    WHERE status IN ('queued', 'proving', 'proved', 'verified', 'registered');
CREATE INDEX proof_jobs_decision_id ON proof_jobs (decision_id);
CREATE INDEX proof_jobs_fact_hash ON proof_jobs (fact_hash);

CREATE TABLE allocation_decisions (
    id             UUID        PRIMARY KEY,
    sequence       BIGINT      GENERATED ALWAYS AS IDENTITY UNIQUE,
    jediswap_bps   INTEGER     NOT NULL CHECK (jediswap_bps BETWEEN 0 AND 10000),
    ekubo_bps      INTEGER     NOT NULL CHECK (ekubo_bps BETWEEN 0 AND 10000),
    jediswap_risk  SMALLINT    NOT NULL CHECK (jediswap_risk BETWEEN 0 AND 100),
    ekubo_risk     SMALLINT    NOT NULL CHECK (ekubo_risk BETWEEN 0 AND 100),
    jediswap_apy   INTEGER     NOT NULL CHECK (jediswap_apy >= 0),
    ekubo_apy      INTEGER     NOT NULL CHECK (ekubo_apy >= 0),
    -- The whole statement: model hash, parameters, metrics of both protocols, APYs, risks, shares.
    statement      JSONB       NOT NULL,
    model_version  INTEGER     NOT NULL REFERENCES model_versions (version),
    model_hash     TEXT        NOT NULL,
    proof_job_id   UUID        NOT NULL UNIQUE REFERENCES proof_jobs (id),
    fact_hash      TEXT,
    tx_hash        TEXT,
    signed_tx      BYTEA,
    block_number   BIGINT      CHECK (block_number >= 0),
    status         TEXT        NOT NULL CHECK (status IN
                       ('pending', 'verified', 'submitted', 'executed', 'refused', 'failed')),
    message        TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (jediswap_bps + ekubo_bps = 10000),
    -- A submitted or executed decision always has its transaction on record.
    CHECK (status NOT IN ('submitted', 'executed') OR tx_hash IS NOT NULL)
);
CREATE INDEX allocation_decisions_model_version ON allocation_decisions (model_version);
CREATE INDEX allocation_decisions_created_at ON allocation_decisions (created_at);
CREATE INDEX allocation_decisions_fact_hash ON allocation_decisions (fact_hash);
CREATE INDEX allocation_decisions_tx_hash ON allocation_decisions (tx_hash);

CREATE TABLE idempotency_keys (
    key           TEXT        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  TEXT        NOT NULL,
    status_code   SMALLINT    NOT NULL,
    response      JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
