-- 0005: kiosk mode — staff lockout and disabling, kiosk settings.

ALTER TABLE staff ADD COLUMN failed_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until TEXT;

INSERT INTO setting (key, value) VALUES
    ('kiosk_idle_secs', '120'),         -- a resident session ends after this much inactivity
    ('kiosk_warning_secs', '10'),       -- … after a visible warning this long
    ('staff_session_secs', '900'),      -- a staff log-in ends after this much inactivity
    ('staff_lockout_attempts', '5'),    -- wrong passwords in a row before a lock-out
    ('staff_lockout_secs', '900');      -- how long the lock-out lasts

-- 家庭共济 needs the authorizer's face verification in these regions
-- (comma-separated region-code prefixes; empty: nowhere).
INSERT INTO setting (key, value) VALUES ('aid_face_required_prefixes', '33');
