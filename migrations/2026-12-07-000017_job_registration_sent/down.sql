ALTER TABLE proof_jobs DROP COLUMN registration_sent;
