-- Issue 34: a kiosk's sessions live in the ledger, not in one server
-- process's memory — the staff member logged in at it, the resident being
-- served, and their times (src/access/kiosk.rs, `Kiosk` as JSON). Whichever
-- replica serves the kiosk's next request reads them here, and writes them
-- back when the request changed them; a killed replica loses nothing. No
-- secret is kept: staff are named by id, name and role, a resident by id,
-- name and masked ID number. A kiosk that never had a session has no row.
CREATE TABLE kiosk_session (
    device_id  INTEGER NOT NULL PRIMARY KEY REFERENCES device (id),
    state      TEXT    NOT NULL CHECK (length(state) BETWEEN 2 AND 100000),
    updated_at TEXT    NOT NULL
) STRICT;
