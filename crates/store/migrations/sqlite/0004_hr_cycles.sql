-- Forced-distribution quotas per cycle and grade (shares in percent, decimal text), and
-- indexes for HR's progress counts and the audit search.
CREATE TABLE grade_quotas (
    cycle_id    INTEGER NOT NULL REFERENCES cycles (id),
    grade       TEXT NOT NULL,
    max_pct     TEXT,
    min_pct     TEXT,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (cycle_id, grade)
);
CREATE INDEX appraisals_cycle_state ON appraisals (cycle_id, state);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
