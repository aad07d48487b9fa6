-- Cycles, appraisals and their tasks. Decimals are TEXT; maps are JSON text.
CREATE TABLE cycles (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    form_id               TEXT NOT NULL,
    template_id           INTEGER NOT NULL REFERENCES templates (id),
    period_kind           TEXT NOT NULL CHECK (period_kind IN ('monthly', 'quarterly', 'annual')),
    period                TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'launched', 'closed')),
    params                TEXT NOT NULL,
    targets               TEXT NOT NULL,
    members               TEXT NOT NULL,
    data_due              TEXT,
    rating_due            TEXT,
    confirm_window_hours  INTEGER NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    launched_at           TEXT,
    UNIQUE (form_id, period, name)
);

CREATE TABLE appraisals (
    id               INTEGER PRIMARY KEY,
    cycle_id         INTEGER NOT NULL REFERENCES cycles (id),
    employee_id      INTEGER NOT NULL REFERENCES employees (id),
    grp              TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    inputs           TEXT NOT NULL,
    open_items       TEXT,
    result           TEXT,
    total            TEXT,
    grade            TEXT,
    bonus            TEXT,
    self_summary     TEXT,
    comments         TEXT,
    next_goals       TEXT,
    interview        TEXT,
    appeal           TEXT,
    published_at     TEXT,
    confirm_due      TEXT,
    confirmed_at     TEXT,
    confirmed_by     TEXT,
    updated_at       TEXT NOT NULL,
    UNIQUE (cycle_id, employee_id)
);
CREATE INDEX appraisals_employee ON appraisals (employee_id);
CREATE INDEX appraisals_due ON appraisals (state, confirm_due);

CREATE TABLE tasks (
    id                 INTEGER PRIMARY KEY,
    cycle_id           INTEGER NOT NULL REFERENCES cycles (id),
    appraisal_id       INTEGER REFERENCES appraisals (id),
    kind               TEXT NOT NULL CHECK (kind IN ('data', 'self', 'rate')),
    rater              TEXT,
    department_id      INTEGER REFERENCES departments (id),
    assignee_id        INTEGER REFERENCES employees (id),
    status             TEXT NOT NULL CHECK (status IN ('open', 'done')),
    due                TEXT,
    done_at            TEXT,
    done_by            TEXT
);
CREATE INDEX tasks_appraisal ON tasks (appraisal_id);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status);
CREATE INDEX tasks_cycle ON tasks (cycle_id, kind, department_id);
