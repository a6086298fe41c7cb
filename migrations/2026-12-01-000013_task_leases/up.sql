-- Leases on singleton tasks (the market sampler): the holder renews its lease each round; another
-- replica takes it over once it has expired, so a crashed leader is replaced without pinning a pooled
-- connection the way a session advisory lock would.
CREATE TABLE task_leases (
    task       TEXT        PRIMARY KEY,
    holder     TEXT        NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
    expires_at TIMESTAMPTZ NOT NULL
);
