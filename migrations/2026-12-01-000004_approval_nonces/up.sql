-- A signed governance approval authorises one decision. The decision records the approval's signer and
-- nonce, and the unique index spends the nonce in the same transaction that stores the decision, so a
-- replay is refused on every replica.
ALTER TABLE allocation_decisions ADD COLUMN approval_signer TEXT, ADD COLUMN approval_nonce TEXT;
ALTER TABLE allocation_decisions ADD CONSTRAINT allocation_decisions_approval_whole
    CHECK ((approval_signer IS NULL) = (approval_nonce IS NULL));
CREATE UNIQUE INDEX allocation_decisions_approval_nonce ON allocation_decisions (approval_signer, approval_nonce)
    WHERE approval_signer IS NOT NULL;
