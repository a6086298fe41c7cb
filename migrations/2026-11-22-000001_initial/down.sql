DROP TABLE idempotency_keys;
DROP TABLE allocation_decisions;
DROP TABLE proof_jobs;
DROP TABLE model_versions;
