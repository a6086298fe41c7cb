-- Transactions a registration sent before it landed (noted before each is sent), so a registration cut
-- short by a crash and finished by a later attempt lists every transaction it paid for.
ALTER TABLE proof_jobs ADD COLUMN registration_sent JSONB NOT NULL DEFAULT '[]';
