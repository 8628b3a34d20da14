-- Issue 32 item 6 (see the SQLite migration of the same number): the confirmation per scenario.
CREATE TABLE pay_code (
    nonce          TEXT    NOT NULL PRIMARY KEY CHECK (length(nonce) BETWEEN 1 AND 200),
    person_id      BIGINT NOT NULL REFERENCES person (id),
    institution_id BIGINT NOT NULL REFERENCES institution (id),
    bill_id        TEXT    NOT NULL CHECK (length(bill_id) BETWEEN 1 AND 64),
    scenario       TEXT    NOT NULL CHECK (scenario IN ('outpatient', 'pharmacy', 'online_pharmacy')),
    total_fen      BIGINT NOT NULL CHECK (total_fen > 0),
    code_hash      TEXT    NOT NULL CHECK (length(code_hash) = 64),
    sends          BIGINT NOT NULL CHECK (sends >= 1),
    attempts       BIGINT NOT NULL CHECK (attempts >= 0),
    expires_at     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
CREATE INDEX pay_code_expires ON pay_code (expires_at);
