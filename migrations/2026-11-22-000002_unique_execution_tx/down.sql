DROP INDEX allocation_decisions_tx_hash;
CREATE INDEX allocation_decisions_tx_hash ON allocation_decisions (tx_hash);
