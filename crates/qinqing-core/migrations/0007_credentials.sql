-- Credentials of the centre's service (issue 17): a staff member's log-in
-- session, a counter terminal's key (one institution), later a paired family
-- device. Only the SHA-256 of each token is kept (tokens are 256 random
-- bits, so a fast hash is enough); a token is shown once, when issued.
CREATE TABLE credential (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('session', 'terminal')),
    token_hash     TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    staff_id       INTEGER REFERENCES staff (id),
    institution_id INTEGER REFERENCES institution (id),
    label          TEXT,
    created_at     TEXT    NOT NULL,
    last_used_at   TEXT    NOT NULL,
    expires_at     TEXT,                   -- a session's absolute end
    revoked_at     TEXT,
    CHECK ((kind = 'session' AND staff_id IS NOT NULL AND expires_at IS NOT NULL)
        OR (kind = 'terminal' AND institution_id IS NOT NULL))
);
CREATE INDEX credential_staff ON credential (staff_id);
