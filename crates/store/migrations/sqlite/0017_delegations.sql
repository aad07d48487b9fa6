-- Delegation (代理, issue 16). A user (the principal) hands their rating, review and approval
-- work to another user (the delegate) for the days `from_date` … `to_date` (inclusive, dates
-- as `2026-12-06`, compared with today's date in UTC as the other deadlines are). The policy
-- (crates/store/src/policy.rs) gives the delegate, while a delegation is in force, what the
-- principal may do on other people's appraisals — never on the delegate's own. Revoked rows are
-- kept (with who revoked and when) so the 我的代理 page and the audit log show the history.
CREATE TABLE delegations (
    id           INTEGER PRIMARY KEY,
    principal_id INTEGER NOT NULL REFERENCES users (id),
    delegate_id  INTEGER NOT NULL REFERENCES users (id),
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    revoked_by   TEXT,
    CHECK (principal_id <> delegate_id),
    CHECK (from_date <= to_date)
);
CREATE INDEX delegations_delegate ON delegations (delegate_id, to_date);
CREATE INDEX delegations_principal ON delegations (principal_id, to_date);
