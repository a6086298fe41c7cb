ALTER TABLE proof_jobs DROP COLUMN resumptions;
