-- People's choices for notifications (issue 17): which channels reach each person for each
-- kind of event, a quiet window, a 飞书 user id for @-mentions; and HR's choice of which kinds
-- are sent at all and the time zone quiet windows are read in.
--
-- A choice is stored only when it is "off": a kind added later reaches everyone on every
-- channel until they turn it off. In-app notifications are always written.
ALTER TABLE users ADD COLUMN feishu_id TEXT;
-- The quiet window, local "HH:MM" in the time zone of notify_settings 'utc_offset'
-- (+08:00 when unset); start after end crosses midnight (22:00–08:00).
ALTER TABLE users ADD COLUMN quiet_start TEXT;
ALTER TABLE users ADD COLUMN quiet_end TEXT;

CREATE TABLE notify_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- Kinds HR has switched off: no outbox rows (the in-app list still gets them).
CREATE TABLE notify_kinds_off (
    kind TEXT PRIMARY KEY
);

CREATE TABLE notify_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
