-- Every time an operator resumed a failed job (POST /api/v1/proofs/{id}/retry): who, when, and the failure.
ALTER TABLE proof_jobs ADD COLUMN resumptions JSONB NOT NULL DEFAULT '[]';
