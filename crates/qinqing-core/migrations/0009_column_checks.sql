-- Step 9 (PostgreSQL: the settlement tables' one-column CHECKs become
-- domains; SQLite keeps its CHECKs, which cost it nothing per statement).
-- Both: leg_aid (aid_id) is the first column of leg_aid_settlement (aid_id,
-- settlement_id), which serves every query it served: one index entry less
-- per leg written.
DROP INDEX leg_aid;
