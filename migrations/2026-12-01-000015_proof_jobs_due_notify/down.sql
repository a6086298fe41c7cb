DROP TRIGGER proof_jobs_due_notify ON proof_jobs;
DROP FUNCTION proof_jobs_notify_due();
