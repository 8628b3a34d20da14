-- 0006: rules made precise (DOMAIN §§2, 4, 5): fund policy with deductible and
-- ceiling, yearly fund roll-ups, inpatient stays, remote confirmation by a
-- one-time code the member receives, the premium limit as regional policy,
-- premium records for the transaction record.

-- The pooled fund's policy per region prefix ('' = national default),
-- scenario and insurance type: a yearly deductible (起付线), the ratio above
-- it, and a yearly ceiling (封顶线) on what the fund pays (NULL: none).
CREATE TABLE fund_policy (
    region_prefix  TEXT    NOT NULL CHECK (length(region_prefix) IN (0, 2, 4, 6)),
    scenario       TEXT    NOT NULL CHECK (scenario IN ('outpatient', 'pharmacy', 'online_pharmacy', 'inpatient')),
    insurance      TEXT    NOT NULL CHECK (insurance IN ('employee', 'resident')),
    deductible_fen INTEGER NOT NULL CHECK (deductible_fen >= 0),
    ratio_pct      INTEGER NOT NULL CHECK (ratio_pct BETWEEN 0 AND 100),
    ceiling_fen    INTEGER CHECK (ceiling_fen IS NULL OR ceiling_fen >= 0),
    PRIMARY KEY (region_prefix, scenario, insurance)
) STRICT;

-- The ratios carry over; deductibles and ceilings by scenario and insurance
-- (national defaults in the range regions use: employee outpatient ¥1,000 /
-- ¥10,000, resident outpatient ¥200 / ¥3,000, employee inpatient ¥1,200 /
-- ¥500,000, resident inpatient ¥800 / ¥300,000; pharmacies: no fund share).
INSERT INTO fund_policy (region_prefix, scenario, insurance, deductible_fen, ratio_pct, ceiling_fen)
    SELECT region_prefix, scenario, insurance,
           CASE scenario || '/' || insurance
               WHEN 'outpatient/employee' THEN 100000
               WHEN 'outpatient/resident' THEN 20000
               WHEN 'inpatient/employee' THEN 120000
               WHEN 'inpatient/resident' THEN 80000
               ELSE 0 END,
           ratio_pct,
           CASE scenario || '/' || insurance
               WHEN 'outpatient/employee' THEN 1000000
               WHEN 'outpatient/resident' THEN 300000
               WHEN 'inpatient/employee' THEN 50000000
               WHEN 'inpatient/resident' THEN 30000000
               ELSE NULL END
    FROM fund_ratio;
DROP TABLE fund_ratio;

-- What a settlement counted toward the member's deductible.
ALTER TABLE settlement ADD COLUMN deductible_fen INTEGER NOT NULL DEFAULT 0 CHECK (deductible_fen >= 0);

-- Per member, China year and scenario: counted toward the deductible, and paid
-- by the fund (the ceiling). Kept in the settlement's transaction.
CREATE TABLE fund_year (
    member_id      INTEGER NOT NULL REFERENCES person (id),
    year           TEXT    NOT NULL,
    scenario       TEXT    NOT NULL,
    deductible_fen INTEGER NOT NULL DEFAULT 0,
    fund_fen       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, scenario)
) STRICT, WITHOUT ROWID;

INSERT INTO fund_year (member_id, year, scenario, deductible_fen, fund_fen)
    SELECT member_id, substr(china_date, 1, 4), scenario, 0, sum(fund_fen)
    FROM settlement GROUP BY member_id, substr(china_date, 1, 4), scenario;

-- 住院: the code is shown at admission, which opens a stay; discharge settles
-- against the stay (one settlement per stay).
CREATE TABLE stay (
    id             INTEGER PRIMARY KEY,
    nonce          TEXT    NOT NULL UNIQUE,             -- the admission code's nonce: a code opens one stay
    institution_id INTEGER NOT NULL REFERENCES institution (id),
    admission_no   TEXT    NOT NULL CHECK (length(admission_no) BETWEEN 1 AND 64),
    member_id      INTEGER NOT NULL REFERENCES person (id),
    shown_by       INTEGER NOT NULL REFERENCES person (id),
    cross_region   INTEGER NOT NULL CHECK (cross_region IN (0, 1)),
    emergency      INTEGER NOT NULL CHECK (emergency IN (0, 1)),
    status         TEXT    NOT NULL CHECK (status IN ('open', 'settled')),
    admitted_at    TEXT    NOT NULL,
    settlement_id  INTEGER UNIQUE REFERENCES settlement (id),
    UNIQUE (institution_id, admission_no)
) STRICT;

CREATE INDEX stay_member ON stay (member_id, status);
ALTER TABLE settlement ADD COLUMN stay_id INTEGER REFERENCES stay (id);

-- Remote confirmation (member aged 60+): a one-time code sent to the member,
-- stored hashed, with an expiry and a count of wrong attempts.
ALTER TABLE binding ADD COLUMN remote_code_hash TEXT;
ALTER TABLE binding ADD COLUMN remote_code_expires TEXT;
ALTER TABLE binding ADD COLUMN remote_code_attempts INTEGER NOT NULL DEFAULT 0;

-- Messages to a person (an SMS gateway's stand-in): the remote-confirmation
-- code goes here, to the member, never to the holder's screen.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person (id),
    channel    TEXT    NOT NULL CHECK (channel IN ('sms')),
    body_zh    TEXT    NOT NULL,
    body_en    TEXT    NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

CREATE INDEX outbox_person ON outbox (person_id, id);

-- 代缴: how many relatives one payer may pay for per year is regional policy.
ALTER TABLE region_policy ADD COLUMN premium_max_relatives INTEGER NOT NULL DEFAULT 3
    CHECK (premium_max_relatives BETWEEN 1 AND 10);
UPDATE region_policy SET premium_max_relatives = coalesce(
    (SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'premium_max_relatives'), 3)
    WHERE region_prefix = '';
DELETE FROM setting WHERE key = 'premium_max_relatives';

-- 代缴 in the transaction record and the dashboard: the China date it was paid.
ALTER TABLE premium ADD COLUMN china_date TEXT;
UPDATE premium SET china_date = date(datetime(created_at, '+8 hours'));
CREATE INDEX premium_beneficiary ON premium (beneficiary_id, china_date);
CREATE INDEX premium_payer ON premium (payer_id, china_date);

-- 家庭共济 in the window: the letter the authorizer signed (by hash of its
-- text), and a per-relation daily cap for online pharmacy (within the
-- channel's own cap, a setting).
ALTER TABLE aid ADD COLUMN letter_sha256 TEXT;
ALTER TABLE aid ADD COLUMN online_daily_cap_fen INTEGER CHECK (online_daily_cap_fen IS NULL OR online_daily_cap_fen >= 0);
CREATE INDEX leg_aid_settlement ON settlement_leg (aid_id, settlement_id);

-- 代缴: contribution tiers (缴费档次) per region prefix and year — data, not
-- code. The longest prefix of the beneficiary's insured region wins.
CREATE TABLE premium_tier (
    region_prefix TEXT    NOT NULL CHECK (length(region_prefix) IN (0, 2, 4, 6)),
    year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    tier          TEXT    NOT NULL CHECK (length(tier) BETWEEN 1 AND 32),
    label_zh      TEXT    NOT NULL,
    label_en      TEXT    NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (region_prefix, year, tier)
) STRICT;

INSERT INTO premium_tier (region_prefix, year, tier, label_zh, label_en, amount_fen) VALUES
    ('', 2025, 'standard', '城乡居民医保个人缴费', 'Resident insurance, individual contribution', 38000),
    ('', 2026, 'standard', '城乡居民医保个人缴费', 'Resident insurance, individual contribution', 40000),
    ('31', 2026, 'child', '中小学生和婴幼儿', 'Pupils and infants', 26000),
    ('31', 2026, 'adult', '18–59周岁', 'Aged 18–59', 78000),
    ('31', 2026, 'senior', '60周岁及以上', 'Aged 60 and over', 52000),
    ('33', 2026, 'tier1', '一档', 'Tier 1', 59000),
    ('33', 2026, 'tier2', '二档', 'Tier 2', 116000);

-- A premium payment keeps what was checked before paying and its receipt number.
ALTER TABLE premium ADD COLUMN region TEXT;
ALTER TABLE premium ADD COLUMN tier TEXT;
ALTER TABLE premium ADD COLUMN receipt_no TEXT;
UPDATE premium SET receipt_no = printf('DJ%s%06d', replace(china_date, '-', ''), id) WHERE receipt_no IS NULL;

-- 异地备案: why (long-term residence, work, temporary), and a cancellation.
ALTER TABLE filing ADD COLUMN reason TEXT NOT NULL DEFAULT 'temporary'
    CHECK (reason IN ('long_term_residence', 'work', 'temporary'));
ALTER TABLE filing ADD COLUMN cancelled_at TEXT;

-- Requests refused by the permission table (issue 15): who asked what, when,
-- and the refusal's code. Kept apart from the ledger's data.
CREATE TABLE access_denied (
    id    INTEGER PRIMARY KEY,
    at    TEXT NOT NULL,
    actor TEXT NOT NULL,
    act   TEXT NOT NULL,
    code  TEXT NOT NULL
) STRICT;

-- Staff lock-outs escalate: each lock-out lasts longer than the last, until an
-- administrator resets the count.
ALTER TABLE staff ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;

-- The payer's confirmation at settlement (DOMAIN §4): a 6-digit payment
-- password per person (Argon2id), with its own lock-out.
ALTER TABLE person ADD COLUMN pay_password_hash TEXT;
ALTER TABLE person ADD COLUMN pay_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE person ADD COLUMN pay_locked_until TEXT;
