-- Where each protocol's metrics came from: the caller, or chain samples up to a named block
-- (docs/metrics.md). Decisions made before this column existed were all made from supplied metrics.
ALTER TABLE allocation_decisions
    ADD COLUMN metrics_origins JSONB NOT NULL
    DEFAULT '{"jediswap": {"source": "supplied"}, "ekubo": {"source": "supplied"}}';
