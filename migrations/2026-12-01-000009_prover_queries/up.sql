-- Queries submitted to remote provers (Atlantic), by prover and statement: a retry, a restart or another
-- worker polls the query already paid for instead of submitting again.
CREATE TABLE prover_queries (
    prover        TEXT        NOT NULL,
    statement_key TEXT        NOT NULL,
    query_id      TEXT        NOT NULL CHECK (length(query_id) BETWEEN 1 AND 200),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (prover, statement_key)
);
