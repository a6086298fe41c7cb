-- Statements now carry their model's version (verifiers recompute the model hash from it). Rows written
-- before keep decoding: their version is the one their decision or model hash already names.
UPDATE allocation_decisions
SET statement = jsonb_set(statement, '{model_version}', to_jsonb(model_version))
WHERE NOT statement ? 'model_version';

UPDATE proof_jobs j
SET statement = jsonb_set(j.statement, '{model_version}', to_jsonb(m.version))
FROM model_versions m
WHERE m.model_hash = j.statement ->> 'model_hash' AND NOT j.statement ? 'model_version';

UPDATE proof_jobs j
SET claim = jsonb_set(j.claim, '{statement,model_version}', to_jsonb(m.version))
FROM model_versions m
WHERE j.claim IS NOT NULL
  AND m.model_hash = j.claim -> 'statement' ->> 'model_hash'
  AND NOT j.claim -> 'statement' ? 'model_version';

UPDATE proof_jobs j
SET public_output = jsonb_set(j.public_output, '{model_version}', to_jsonb(m.version))
FROM model_versions m
WHERE j.public_output IS NOT NULL
  AND m.model_hash = j.public_output ->> 'model_hash'
  AND NOT j.public_output ? 'model_version';
