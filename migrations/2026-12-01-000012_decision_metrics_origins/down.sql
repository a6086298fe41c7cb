ALTER TABLE allocation_decisions DROP COLUMN metrics_origins;
