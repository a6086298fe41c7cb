-- What each protocol's chain-derived metrics were read from, by the Poseidon hash a proof names: the
-- protocol's samples from first_block to last_block (samples are never rewritten), with the terms and
-- sampling policy the derivation used, so anyone can fetch and re-derive the numbers of a decision.
CREATE TABLE market_readings (
    readings_hash TEXT        PRIMARY KEY CHECK (readings_hash ~ '^0x[0-9a-f]{1,64}$'),
    protocol      TEXT        NOT NULL CHECK (protocol IN ('jediswap', 'ekubo')),
    first_block   BIGINT      NOT NULL CHECK (first_block >= 0),
    last_block    BIGINT      NOT NULL CHECK (last_block >= first_block),
    sample_count  INTEGER     NOT NULL CHECK (sample_count > 0),
    terms         JSONB       NOT NULL,
    policy        JSONB       NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A snapshot is found through a decision whose statement names it.
CREATE INDEX allocation_decisions_by_snapshot
    ON allocation_decisions ((statement -> 'provenance' ->> 'snapshot_hash'));
