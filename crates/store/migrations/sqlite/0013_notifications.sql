-- Notifications (issue 17). Every event that tells someone something is written in the same
-- transaction as the change that causes it: one row of `notifications` (the in-app 通知 list)
-- per person, and one row of `outbox` per person and enabled channel, which the delivery worker
-- of any `kaohe serve` claims, delivers, retries with backoff and, after too many attempts,
-- marks dead. Messages are catalogue keys with JSON arguments, rendered in the recipient's
-- language when shown or sent. Times are RFC 3339 UTC text.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN mobile TEXT;

-- Where messages go, configured by HR: a signed webhook, a 钉钉 / 飞书 / 企业微信 group robot,
-- or e-mail over SMTP. `secret` is shown back only masked.
CREATE TABLE notify_channels (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('webhook', 'dingtalk', 'feishu', 'wecom', 'email')),
    name       TEXT NOT NULL UNIQUE,
    url        TEXT NOT NULL,
    secret     TEXT,
    settings   TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    text_key   TEXT NOT NULL,
    args       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL,
    channel_id      INTEGER NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
    text_key        TEXT NOT NULL,
    args            TEXT NOT NULL,
    link            TEXT NOT NULL,
    idem_key        TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
