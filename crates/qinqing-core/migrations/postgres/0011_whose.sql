-- Issue 32: rules that answered wrongly (see the SQLite migration of the same number).
ALTER TABLE premium_tier ADD COLUMN min_age BIGINT CHECK (min_age IS NULL OR min_age BETWEEN 0 AND 150);
ALTER TABLE premium_tier ADD COLUMN max_age BIGINT CHECK (max_age IS NULL OR max_age BETWEEN 0 AND 150);
UPDATE premium_tier SET min_age = 0, max_age = 17 WHERE region_prefix = '31' AND year = 2026 AND tier = 'child';
UPDATE premium_tier SET min_age = 18, max_age = 59 WHERE region_prefix = '31' AND year = 2026 AND tier = 'adult';
UPDATE premium_tier SET min_age = 60 WHERE region_prefix = '31' AND year = 2026 AND tier = 'senior';

CREATE TABLE premium_period (
    region_prefix TEXT NOT NULL PRIMARY KEY CHECK (length(region_prefix) IN (0, 2, 4, 6)),
    opens         TEXT NOT NULL CHECK (opens ~ '^[01][0-9]-[0-3][0-9]$'),
    closes        TEXT NOT NULL CHECK (closes ~ '^[01][0-9]-[0-3][0-9]$')
);
INSERT INTO premium_period (region_prefix, opens, closes) VALUES ('', '09-01', '12-31');

ALTER TABLE binding_document ADD COLUMN shows_member_by BIGINT REFERENCES staff (id);

ALTER TABLE person ADD COLUMN real_name_checked_at TEXT;
ALTER TABLE person ADD COLUMN real_name_checked_by BIGINT REFERENCES staff (id);
