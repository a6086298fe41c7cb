ALTER TABLE allocation_decisions DROP COLUMN execution_request;
