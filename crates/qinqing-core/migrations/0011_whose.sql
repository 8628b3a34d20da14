-- Issue 32: rules that answered wrongly.
-- 代缴 by the relative's age band: a tier may say which ages it is for
-- (inclusive, China-time age on 1 January of the premium's year; NULL: any).
ALTER TABLE premium_tier ADD COLUMN min_age INTEGER CHECK (min_age IS NULL OR min_age BETWEEN 0 AND 150);
ALTER TABLE premium_tier ADD COLUMN max_age INTEGER CHECK (max_age IS NULL OR max_age BETWEEN 0 AND 150);
UPDATE premium_tier SET min_age = 0, max_age = 17 WHERE region_prefix = '31' AND year = 2026 AND tier = 'child';
UPDATE premium_tier SET min_age = 18, max_age = 59 WHERE region_prefix = '31' AND year = 2026 AND tier = 'adult';
UPDATE premium_tier SET min_age = 60 WHERE region_prefix = '31' AND year = 2026 AND tier = 'senior';

-- The collection period in which next year's premium can be paid, per region
-- prefix (longest wins; '' the national default), as month-day.
CREATE TABLE premium_period (
    region_prefix TEXT NOT NULL PRIMARY KEY CHECK (length(region_prefix) IN (0, 2, 4, 6)),
    opens         TEXT NOT NULL CHECK (length(opens) = 5 AND opens GLOB '[01][0-9]-[0-3][0-9]'),
    closes        TEXT NOT NULL CHECK (length(closes) = 5 AND closes GLOB '[01][0-9]-[0-3][0-9]')
) STRICT;
INSERT INTO premium_period (region_prefix, opens, closes) VALUES ('', '09-01', '12-31');

-- Whose documents: a household register uploaded for the holder counts for
-- the member only where staff marked that it shows the member.
ALTER TABLE binding_document ADD COLUMN shows_member_by INTEGER REFERENCES staff (id);

-- The holder's real-name check (seeds 002/003): ID card front and back and the
-- face, checked once by staff — in person, or on uploaded photos.
ALTER TABLE person ADD COLUMN real_name_checked_at TEXT;
ALTER TABLE person ADD COLUMN real_name_checked_by INTEGER REFERENCES staff (id);
