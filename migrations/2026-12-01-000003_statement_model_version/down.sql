UPDATE allocation_decisions SET statement = statement - 'model_version';
UPDATE proof_jobs SET statement = statement - 'model_version';
UPDATE proof_jobs SET public_output = public_output - 'model_version' WHERE public_output IS NOT NULL;
UPDATE proof_jobs SET claim = jsonb_set(claim, '{statement}', (claim -> 'statement') - 'model_version')
WHERE claim IS NOT NULL;
