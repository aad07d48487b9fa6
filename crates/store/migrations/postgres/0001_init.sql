-- kaohe schema, PostgreSQL. Decimals are TEXT (exact); times are RFC 3339 UTC text.
CREATE TABLE departments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    created_at TEXT NOT NULL
);

CREATE TABLE positions (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE employees (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    emp_no        TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    position_id   BIGINT REFERENCES positions (id),
    supervisor_id BIGINT REFERENCES employees (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    employee_id   BIGINT REFERENCES employees (id),
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    created_at    TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    UNIQUE NULLS NOT DISTINCT (user_id, role, department_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);

CREATE TABLE templates (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id    TEXT NOT NULL,
    version    BIGINT NOT NULL,
    title      TEXT NOT NULL,
    source     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (form_id, version)
);

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
