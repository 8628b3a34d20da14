-- 0002: 亲情账户 (family proxy account) bindings, their documents, the staff
-- register, and the regional policy of allowed relations.

-- 失能人员: a disabled member needs a medical certificate to be bound.
ALTER TABLE person ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- When the person last passed a face verification (staff-attested or judged
-- evidence, accepted in an approved binding). A 16+ member needs one before
-- their QR is first shown.
ALTER TABLE person ADD COLUMN face_verified_at TEXT;

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash TEXT    NOT NULL,          -- Argon2id, PHC string
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL
) STRICT;

-- A document a person brought (household register, birth certificate, …),
-- processed on the way in: images upright, metadata dropped, at most 2400 px,
-- re-encoded; PDFs kept as they are. The file lives in the file store beside
-- the database, named by the SHA-256 of its stored bytes.
CREATE TABLE document (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES person (id),
    binding_id    INTEGER REFERENCES binding (id),   -- the application it was uploaded for
    kind          TEXT    NOT NULL CHECK (kind IN ('birth_certificate', 'household_register',
                      'relationship_notarization', 'proof_of_insurance', 'medical_certificate',
                      'id_card_front', 'id_card_back', 'face_capture')),
    note          TEXT    NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    media         TEXT    NOT NULL CHECK (media IN ('jpeg', 'pdf')),
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
    width         INTEGER,
    height        INTEGER,
    bytes         INTEGER NOT NULL CHECK (bytes > 0),
    source_media  TEXT    NOT NULL CHECK (source_media IN ('jpeg', 'png', 'webp', 'pdf')),
    thumb_sha256  TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    reject_reason TEXT,
    created_at    TEXT    NOT NULL,
    UNIQUE (person_id, sha256)
) STRICT;

CREATE INDEX document_person ON document (person_id);
CREATE INDEX document_sha ON document (sha256);

-- Which relations a region allows, keyed by a region-code prefix: the longest
-- prefix of the holder's insured region wins ('' is the national default).
CREATE TABLE region_policy (
    region_prefix TEXT PRIMARY KEY CHECK (length(region_prefix) IN (0, 2, 4, 6)),
    relations     TEXT NOT NULL,             -- JSON array of relation keys
    note          TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO region_policy (region_prefix, relations, note) VALUES
    ('',   '["spouse","parent","child"]', '国家默认：配偶、父母、子女'),
    ('31', '["spouse","parent","child","parent_in_law","grandparent","grandchild"]', '上海：可绑定公婆/岳父母、祖父母/外祖父母、孙子女/外孙子女'),
    ('33', '["spouse","parent","child","parent_in_law","grandparent","grandchild","sibling"]', '浙江：另可绑定兄弟姐妹');

CREATE TABLE binding (
    id                  INTEGER PRIMARY KEY,
    holder_id           INTEGER NOT NULL REFERENCES person (id),
    member_id           INTEGER NOT NULL REFERENCES person (id),
    relation            TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'active', 'rejected', 'unbound')),
    policy_region       TEXT    NOT NULL,    -- the region_prefix whose policy allowed the relation
    letter_version      TEXT,
    letter_sha256       TEXT,
    letter_signed_at    TEXT,
    face_method         TEXT    CHECK (face_method IN ('staff', 'evidence')),
    face_staff_id       INTEGER REFERENCES staff (id),
    face_doc_id         INTEGER REFERENCES document (id),
    face_at             TEXT,
    remote_confirmed_at TEXT,                -- member aged 60+ confirmed remotely instead of a visit
    created_at          TEXT    NOT NULL,
    submitted_at        TEXT,
    decided_at          TEXT,
    decided_by          INTEGER REFERENCES staff (id),
    reject_reason       TEXT,
    activated_at        TEXT,
    activated_month     TEXT,                -- China-time YYYY-MM of activation (monthly cap)
    unbound_at          TEXT,
    CHECK (holder_id <> member_id)
) STRICT;

CREATE INDEX binding_holder ON binding (holder_id, status);
CREATE INDEX binding_member ON binding (member_id, status);
CREATE INDEX binding_member_month ON binding (member_id, activated_month);
-- At most one open (draft, submitted) or active binding of the same pair.
CREATE UNIQUE INDEX binding_open_pair ON binding (holder_id, member_id)
    WHERE status IN ('draft', 'submitted', 'active');

CREATE TABLE binding_document (
    binding_id  INTEGER NOT NULL REFERENCES binding (id),
    document_id INTEGER NOT NULL REFERENCES document (id),
    attached_at TEXT    NOT NULL,
    PRIMARY KEY (binding_id, document_id)
) STRICT;
