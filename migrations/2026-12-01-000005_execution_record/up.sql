-- Where an executed decision was executed: the allocation contract and the event it emitted.
ALTER TABLE allocation_decisions ADD COLUMN execution JSONB;
