-- Cancelling a launched cycle with a reason (kaohe-store cycles.rs `cancel_cycle_impl`).
-- A cancelled cycle keeps status 'closed' (the status CHECK stays as it is, no table
-- rebuild on SQLite) and is told apart by cancelled_at: the store reports it as
-- 'cancelled'.
ALTER TABLE cycles ADD COLUMN cancelled_at TEXT;
ALTER TABLE cycles ADD COLUMN cancel_reason TEXT;
