-- 0003: institutions, cross-region filings, 家庭共济 (mutual aid), premium
-- payments, reimbursement policy, settlements and their legs, settings.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

INSERT INTO setting (key, value) VALUES
    ('qr_validity_secs', '60'),
    ('qr_clock_skew_secs', '30'),
    ('online_pharmacy_daily_cap_fen', '100000'),
    ('premium_max_relatives', '3'),
    ('emergency_ratio_cut_pct', '20');

-- Designated medical institutions (定点医药机构).
CREATE TABLE institution (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    region     TEXT    NOT NULL CHECK (length(region) = 6),
    designated INTEGER NOT NULL DEFAULT 1 CHECK (designated IN (0, 1)),
    networked  INTEGER NOT NULL DEFAULT 0 CHECK (networked IN (0, 1)),   -- cross-region settlement
    created_at TEXT    NOT NULL,
    UNIQUE (name, region)
) STRICT;

-- 异地就医备案: a person may be treated (and settle) in `region` between the dates (China time, inclusive).
CREATE TABLE filing (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id),
    region     TEXT    NOT NULL CHECK (length(region) = 6),
    from_date  TEXT    NOT NULL,
    to_date    TEXT    NOT NULL CHECK (to_date >= from_date),
    created_at TEXT    NOT NULL
) STRICT;

CREATE INDEX filing_person ON filing (person_id, to_date);

-- Share of a bill the pooled fund pays, by region prefix ('' = default), scenario and insurance type.
CREATE TABLE fund_ratio (
    region_prefix TEXT    NOT NULL,
    scenario      TEXT    NOT NULL CHECK (scenario IN ('outpatient', 'pharmacy', 'online_pharmacy', 'inpatient')),
    insurance     TEXT    NOT NULL CHECK (insurance IN ('employee', 'resident')),
    ratio_pct     INTEGER NOT NULL CHECK (ratio_pct BETWEEN 0 AND 100),
    PRIMARY KEY (region_prefix, scenario, insurance)
) STRICT;

INSERT INTO fund_ratio (region_prefix, scenario, insurance, ratio_pct) VALUES
    ('', 'outpatient', 'employee', 70), ('', 'outpatient', 'resident', 50),
    ('', 'pharmacy', 'employee', 0), ('', 'pharmacy', 'resident', 0),
    ('', 'online_pharmacy', 'employee', 0), ('', 'online_pharmacy', 'resident', 0),
    ('', 'inpatient', 'employee', 85), ('', 'inpatient', 'resident', 70),
    ('31', 'outpatient', 'employee', 75), ('31', 'inpatient', 'employee', 90);

-- 家庭共济: the authorizer lets the beneficiary spend from their personal account.
CREATE TABLE aid (
    id                INTEGER PRIMARY KEY,
    authorizer_id     INTEGER NOT NULL REFERENCES person (id),
    beneficiary_id    INTEGER NOT NULL REFERENCES person (id),
    relation          TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('active', 'frozen', 'revoked')),
    monthly_cap_fen   INTEGER CHECK (monthly_cap_fen IS NULL OR monthly_cap_fen >= 0),
    letter_version    TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    revoked_at        TEXT,
    CHECK (authorizer_id <> beneficiary_id)
) STRICT;

CREATE UNIQUE INDEX aid_open_pair ON aid (authorizer_id, beneficiary_id) WHERE status IN ('active', 'frozen');
CREATE INDEX aid_beneficiary ON aid (beneficiary_id, status);

-- 代缴: resident-insurance premium paid from an employee's personal account.
CREATE TABLE premium (
    id             INTEGER PRIMARY KEY,
    payer_id       INTEGER NOT NULL REFERENCES person (id),
    beneficiary_id INTEGER NOT NULL REFERENCES person (id),
    year           INTEGER NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    created_at     TEXT    NOT NULL,
    UNIQUE (payer_id, beneficiary_id, year)
) STRICT;

-- One scanned code paying one bill. Nonce and (institution, bill) are each
-- unique: a code pays once, a bill is charged once.
CREATE TABLE settlement (
    id             INTEGER PRIMARY KEY,
    nonce          TEXT    NOT NULL UNIQUE,
    institution_id INTEGER NOT NULL REFERENCES institution (id),
    bill_id        TEXT    NOT NULL CHECK (length(bill_id) BETWEEN 1 AND 64),
    member_id      INTEGER NOT NULL REFERENCES person (id),
    shown_by       INTEGER NOT NULL REFERENCES person (id),
    scenario       TEXT    NOT NULL,
    total_fen      INTEGER NOT NULL CHECK (total_fen > 0),
    fund_fen       INTEGER NOT NULL CHECK (fund_fen >= 0),
    ratio_pct      INTEGER NOT NULL,
    cross_region   INTEGER NOT NULL CHECK (cross_region IN (0, 1)),
    emergency      INTEGER NOT NULL CHECK (emergency IN (0, 1)),
    at             TEXT    NOT NULL,
    china_date     TEXT    NOT NULL,
    china_month    TEXT    NOT NULL,
    UNIQUE (institution_id, bill_id)
) STRICT;

CREATE INDEX settlement_member ON settlement (member_id, at);

CREATE TABLE settlement_leg (
    id            INTEGER PRIMARY KEY,
    settlement_id INTEGER NOT NULL REFERENCES settlement (id),
    source        TEXT    NOT NULL CHECK (source IN ('fund', 'own_account', 'family_aid', 'cash')),
    person_id     INTEGER REFERENCES person (id),   -- whose account paid (own_account, family_aid)
    aid_id        INTEGER REFERENCES aid (id),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0)
) STRICT;

CREATE INDEX leg_settlement ON settlement_leg (settlement_id);
CREATE INDEX leg_aid ON settlement_leg (aid_id);
