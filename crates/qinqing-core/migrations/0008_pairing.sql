-- Pairing a family computer with a holder (issue 17, issue 18): staff at
-- the service centre start a pairing for a holder and give the resident a
-- one-time code (valid 10 minutes, single use); the family app redeems it
-- for a device credential that acts for that household only. Only SHA-256
-- hashes of codes and tokens are kept.
CREATE TABLE pairing (
    id          INTEGER PRIMARY KEY,
    holder_id   INTEGER NOT NULL REFERENCES person (id),
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    code_hash   TEXT    NOT NULL CHECK (length(code_hash) = 64),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT,                  -- redeemed (a device was paired)
    voided_at   TEXT                   -- replaced by a newer code for the holder
);
CREATE INDEX pairing_code ON pairing (code_hash);
CREATE INDEX pairing_holder ON pairing (holder_id);

-- A computer the centre trusts: a family's, paired with one holder (acts
-- for that household only), or a kiosk of the centre registered by an
-- administrator (acts as whoever is logged in at it, by the kiosk's rules).
CREATE TABLE device (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('family', 'kiosk')),
    holder_id    INTEGER REFERENCES person (id),
    pairing_id   INTEGER UNIQUE REFERENCES pairing (id),
    token_hash   TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    label        TEXT,
    public_key   TEXT,                 -- the device's own signing key (hex), if it sent one
    created_at   TEXT    NOT NULL,
    last_used_at TEXT    NOT NULL,
    revoked_at   TEXT,
    CHECK ((kind = 'family' AND holder_id IS NOT NULL AND pairing_id IS NOT NULL)
        OR (kind = 'kiosk' AND holder_id IS NULL AND pairing_id IS NULL))
);
CREATE INDEX device_holder ON device (holder_id);
