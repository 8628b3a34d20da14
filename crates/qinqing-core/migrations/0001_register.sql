-- 0001: the register of insured persons, and the append-only audit trail.
-- Money is integer fen; timestamps are RFC 3339 UTC text ("…Z").

CREATE TABLE person (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
    resident_id       TEXT    NOT NULL UNIQUE CHECK (length(resident_id) = 18),
    insurance         TEXT    NOT NULL CHECK (insurance IN ('employee', 'resident')),
    region            TEXT    NOT NULL CHECK (length(region) = 6),
    status            TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'lapsed')),
    balance_fen       INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    voucher_activated INTEGER NOT NULL DEFAULT 0 CHECK (voucher_activated IN (0, 1)),
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
) STRICT;

CREATE INDEX person_name ON person (name);

-- Every change of a person, binding, authorization, cap, freeze or balance.
-- Full resident IDs never appear here: snapshots carry the masked form.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  INTEGER,
    person_id  INTEGER,
    before     TEXT,
    after      TEXT
) STRICT;

CREATE INDEX audit_person ON audit (person_id, at);
CREATE INDEX audit_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
