-- Issue 35 (see the SQLite migration of the same number): an erased person
-- keeps their row under a pseudonym; the snapshots of their audit entries
-- lose `name`, `resident_id_masked` and `note`, and nothing else may change.
ALTER TABLE person ADD COLUMN erased_at TEXT;

CREATE FUNCTION audit_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.action = OLD.action
       AND NEW.entity = OLD.entity
       AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id
       AND NEW.person_id IS NOT DISTINCT FROM OLD.person_id
       AND EXISTS (SELECT 1 FROM person p WHERE p.id = OLD.person_id AND p.erased_at IS NOT NULL)
       AND NEW.before::jsonb IS NOT DISTINCT FROM (OLD.before::jsonb - 'name' - 'resident_id_masked' - 'note')
       AND NEW.after::jsonb IS NOT DISTINCT FROM (OLD.after::jsonb - 'name' - 'resident_id_masked' - 'note')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$;

DROP TRIGGER audit_no_update ON audit;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_redact_only();
