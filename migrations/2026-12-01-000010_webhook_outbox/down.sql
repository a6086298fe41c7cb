DROP TRIGGER proof_jobs_webhooks ON proof_jobs;
DROP TRIGGER allocation_decisions_webhooks ON allocation_decisions;
DROP FUNCTION webhook_job_changed();
DROP FUNCTION webhook_decision_changed();
DROP FUNCTION webhook_emit(TEXT, JSONB);
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
