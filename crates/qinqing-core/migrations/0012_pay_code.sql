-- Issue 32 item 6: the confirmation per scenario (src/confirm.rs). An
-- outpatient payment may be confirmed with a one-time 6-digit code sent to
-- the payer's record (the outbox stands in for the SMS): one row per shown
-- code (its nonce: one payment), bound to the bill it was sent for, kept
-- only as a hash peppered with the installation's secret, used up by the
-- settlement it confirms. Which methods each scenario takes is policy data
-- in the settings (confirm_outpatient, …), read with their defaults.
CREATE TABLE pay_code (
    nonce          TEXT    NOT NULL PRIMARY KEY CHECK (length(nonce) BETWEEN 1 AND 200),
    person_id      INTEGER NOT NULL REFERENCES person (id),
    institution_id INTEGER NOT NULL REFERENCES institution (id),
    bill_id        TEXT    NOT NULL CHECK (length(bill_id) BETWEEN 1 AND 64),
    scenario       TEXT    NOT NULL CHECK (scenario IN ('outpatient', 'pharmacy', 'online_pharmacy')),
    total_fen      INTEGER NOT NULL CHECK (total_fen > 0),
    code_hash      TEXT    NOT NULL CHECK (length(code_hash) = 64),
    sends          INTEGER NOT NULL CHECK (sends >= 1),
    attempts       INTEGER NOT NULL CHECK (attempts >= 0),
    expires_at     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX pay_code_expires ON pay_code (expires_at);
