-- Growing delays instead of lock-outs (issue 31): wrong staff passwords,
-- pairing codes, remote confirmation codes and payment passwords are counted
-- here per key — `login:acct:<staff id>` (the core, every way a staff
-- password is checked) and `<what>:addr:<client address>` (the server) —
-- so every server replica on the ledger shares one count. Times are Unix
-- seconds. After a policy's free failures each further attempt waits
-- 2, 4, 8 … seconds (capped); a waiting key is refused without its secret
-- being checked. See src/throttle.rs.
CREATE TABLE throttle (
    key        TEXT    PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    failures   INTEGER NOT NULL CHECK (failures >= 0),
    last_at    INTEGER NOT NULL,       -- the last failure
    wait_until INTEGER NOT NULL        -- refused before this (0: not waiting)
);
CREATE INDEX throttle_last ON throttle (last_at);

-- The lock-outs of migration 0005/0006 are replaced by the throttle: any in
-- force are lifted (their columns stay, unused, for older builds' reads).
UPDATE staff SET failed_attempts = 0, locked_until = NULL, lockouts = 0;
