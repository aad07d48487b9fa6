-- The audit log MAC'd with a key kept outside the database (kaohe-store audit.rs): which
-- key made each entry (NULL: written without a key, plain SHA-256), and MAC'd checkpoints
-- of the chain's head so that deleting entries up to a checkpoint is found.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;

CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    count     INTEGER NOT NULL,
    mac       TEXT NOT NULL,
    key_id    TEXT NOT NULL
);
