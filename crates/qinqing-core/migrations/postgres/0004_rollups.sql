-- 0004: monthly roll-ups for the dashboard, kept in the same transaction as
-- each settlement, so a family's dashboard does not grow with the ledger.

-- Per member, China month, scenario and fund source ('fund', 'own_account',
-- 'family_aid', 'cash'; 'total' carries the bill count).
CREATE TABLE spend_month (
    member_id  BIGINT NOT NULL REFERENCES person (id),
    month      TEXT    NOT NULL,
    scenario   TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    amount_fen BIGINT NOT NULL,
    bills      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, month, scenario, source)
);

-- Per 家庭共济 relation and China month: what it paid (monthly caps).
CREATE TABLE aid_month (
    aid_id     BIGINT NOT NULL REFERENCES aid (id),
    month      TEXT    NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (aid_id, month)
);

INSERT INTO spend_month (member_id, month, scenario, source, amount_fen, bills)
    SELECT s.member_id, s.china_month, s.scenario, l.source, sum(l.amount_fen), 0
    FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id
    GROUP BY s.member_id, s.china_month, s.scenario, l.source;
INSERT INTO spend_month (member_id, month, scenario, source, amount_fen, bills)
    SELECT member_id, china_month, scenario, 'total', sum(total_fen), count(*)
    FROM settlement GROUP BY member_id, china_month, scenario;
INSERT INTO aid_month (aid_id, month, amount_fen)
    SELECT l.aid_id, s.china_month, sum(l.amount_fen)
    FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id
    WHERE l.aid_id IS NOT NULL GROUP BY l.aid_id, s.china_month;

-- The transaction record and the anomaly rules look up a member's bills by day
-- and by institution.
CREATE INDEX settlement_member_day ON settlement (member_id, china_date, scenario);
CREATE INDEX settlement_member_institution ON settlement (member_id, institution_id);
CREATE INDEX settlement_day ON settlement (china_date);
DROP INDEX settlement_member;
-- A family is found from its holder: bindings (indexed) and aid relations.
CREATE INDEX aid_authorizer ON aid (authorizer_id, status);
