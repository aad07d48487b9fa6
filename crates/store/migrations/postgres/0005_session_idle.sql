-- Sessions end after a time without a request: when each was last used (kaohe-store
-- sessions.rs refreshes it at most once a minute). NULL for sessions made before.
ALTER TABLE sessions ADD COLUMN last_seen TEXT;
