-- Issue 34 (see the SQLite migration of the same number): a kiosk's sessions live in the ledger.
CREATE TABLE kiosk_session (
    device_id  BIGINT  NOT NULL PRIMARY KEY REFERENCES device (id),
    state      TEXT    NOT NULL CHECK (length(state) BETWEEN 2 AND 100000),
    updated_at TEXT    NOT NULL
);
