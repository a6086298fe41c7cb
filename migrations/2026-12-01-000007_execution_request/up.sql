-- Who asked for a verified decision to be executed, and when: under manual execution, what releases it.
ALTER TABLE allocation_decisions ADD COLUMN execution_request JSONB;
