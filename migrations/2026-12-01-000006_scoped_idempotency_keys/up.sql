-- Idempotency keys are stored in their caller's namespace: a 16-hex-digit prefix and a colon before the
-- client's key of up to 255 characters. Keys stored before this carry no prefix and simply expire.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_key_check;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 272);
