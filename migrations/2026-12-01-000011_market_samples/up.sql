-- One sample of a protocol's pool per block, read from the chain by the sampler (docs/metrics.md).
-- Amounts are unsigned integers of any size, kept as decimal text; the primary key makes two replicas
-- that sample the same block record it once.
CREATE TABLE market_samples (
    protocol        TEXT        NOT NULL CHECK (protocol IN ('jediswap', 'ekubo')),
    block_number    BIGINT      NOT NULL CHECK (block_number >= 0),
    block_hash      TEXT        NOT NULL CHECK (block_hash ~ '^0x[0-9a-f]{1,64}$'),
    block_timestamp BIGINT      NOT NULL CHECK (block_timestamp >= 0),
    sqrt_price      TEXT        NOT NULL CHECK (sqrt_price ~ '^[0-9]{1,80}$'),
    fraction_bits   INTEGER     NOT NULL CHECK (fraction_bits IN (96, 128)),
    liquidity       TEXT        NOT NULL CHECK (liquidity ~ '^[0-9]{1,40}$'),
    tvl             TEXT        NOT NULL CHECK (tvl ~ '^[0-9]{1,160}$'),
    volume          TEXT        NOT NULL CHECK (volume ~ '^[0-9]{1,160}$'),
    fees            TEXT        NOT NULL CHECK (fees ~ '^[0-9]{1,160}$'),
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (protocol, block_number)
);
CREATE INDEX market_samples_by_time ON market_samples (protocol, block_timestamp);
