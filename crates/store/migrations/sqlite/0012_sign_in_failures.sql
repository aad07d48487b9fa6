-- Wrong passwords, counted in the database so that every server on it shares the sign-in
-- lockout and a restart keeps it (kaohe-server throttle.rs; kaohe-store signin.rs).
-- `subject` is `name:<user name, trimmed and lowercased>` or `addr:<network address>`;
-- `failures` counts the wrong passwords since `since`, the first of the window; a subject with
-- enough of them is refused until `locked_until` (times RFC 3339 UTC). The jobs loop deletes
-- rows whose window and lockout are over.
CREATE TABLE sign_in_failures (
    subject      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    since        TEXT NOT NULL,
    locked_until TEXT
);
