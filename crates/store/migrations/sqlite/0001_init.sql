-- kaohe schema, SQLite. Decimals are TEXT (exact); times are RFC 3339 UTC text.
CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    created_at TEXT NOT NULL
);

CREATE TABLE positions (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE employees (
    id            INTEGER PRIMARY KEY,
    emp_no        TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    position_id   INTEGER REFERENCES positions (id),
    supervisor_id INTEGER REFERENCES employees (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    employee_id   INTEGER REFERENCES employees (id),
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    created_at    TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    UNIQUE (user_id, role, department_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);

CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    form_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    source     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (form_id, version)
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason    TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
