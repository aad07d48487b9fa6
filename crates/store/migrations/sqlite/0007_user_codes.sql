-- Accounts made by HR in the browser (issue 13): a user may be disabled (cannot sign in,
-- sessions ended), and may hold a one-time sign-in code instead of a password until the
-- first sign-in sets one. Only the SHA-256 of the code is kept, with when it expires
-- (RFC 3339 UTC). `disabled` is INTEGER here (0/1): the Any driver cannot read SQLite's
-- BOOLEAN columns; the PostgreSQL migration declares it BOOLEAN.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN code_hash TEXT;
ALTER TABLE users ADD COLUMN code_expires TEXT;
