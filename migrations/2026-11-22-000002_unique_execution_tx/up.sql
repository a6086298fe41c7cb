-- One transaction executes one decision. Two processes that sign the same call with the same nonce get the
-- same transaction hash; only one decision may claim it, and the other signs a new one.
DROP INDEX allocation_decisions_tx_hash;
CREATE UNIQUE INDEX allocation_decisions_tx_hash ON allocation_decisions (tx_hash);
