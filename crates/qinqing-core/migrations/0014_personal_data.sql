-- Issue 35: a person's own data. An administrator may erase a person whom no
-- binding, 家庭共济 relation or hospital stay still needs (src/app/person_data.rs):
-- the documents go, and the person's row keeps its number and the ledger's
-- amounts under a pseudonym (name `已删除#<id>`, a resident ID no one can type)
-- so the fund's accounts still add up. `erased_at` says when (NULL: never).
ALTER TABLE person ADD COLUMN erased_at TEXT;

-- The audit trail stays append-only, with one exception the trigger itself
-- checks: the snapshots of an erased person's entries lose the keys `name`,
-- `resident_id_masked` and `note` (a document's free text) — and nothing
-- else changes, not who, when, what or any amount. Anything else is refused
-- as before.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (
    NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action
    AND NEW.entity IS OLD.entity AND NEW.entity_id IS OLD.entity_id AND NEW.person_id IS OLD.person_id
    AND EXISTS (SELECT 1 FROM person p WHERE p.id = OLD.person_id AND p.erased_at IS NOT NULL)
    AND NEW.before IS (CASE WHEN OLD.before IS NULL THEN NULL ELSE json_remove(OLD.before, '$.name', '$.resident_id_masked', '$.note') END)
    AND NEW.after IS (CASE WHEN OLD.after IS NULL THEN NULL ELSE json_remove(OLD.after, '$.name', '$.resident_id_masked', '$.note') END)
)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
