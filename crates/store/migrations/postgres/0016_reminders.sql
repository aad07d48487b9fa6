-- Scheduled reminders (issue 17). Per cycle: the days before a task's deadline on which its
-- holder is reminded (`3,1`: three days and one day before; `0` is the day itself), and the
-- days a task may be overdue before the holder's manager hears of it. `reminders_sent`
-- holds one row per reminder sent (a task, a person and a day; an appraisal's confirmation
-- deadline and a person): the job of every `kaohe serve` inserts these with
-- ON CONFLICT DO NOTHING in the transaction that queues the messages, so a reminder is sent
-- once however many servers run the job and however often they restart.
ALTER TABLE cycles ADD COLUMN remind_days TEXT NOT NULL DEFAULT '3,1';
ALTER TABLE cycles ADD COLUMN escalate_days BIGINT NOT NULL DEFAULT 2;

CREATE TABLE reminders_sent (
    mark       TEXT PRIMARY KEY,
    day        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reminders_sent_day ON reminders_sent (day);
