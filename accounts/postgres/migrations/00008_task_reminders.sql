-- Task reminders (see accounts.RuleStore.RecordReminder). reminded_at is
-- the remind_at a reminder was sent for, NULL when none was: a task is due
-- while it is open, its remind_at has come and reminded_at differs from it,
-- so that moving remind_at reminds again at the new time. The mark is set
-- by a conditional update in the transaction that writes the alert and the
-- outbox rows; a concurrent update of the same row waits for that commit
-- and then sees the mark, which is what makes two replicas remind once.
--
-- Reminders did not exist before this migration: the ones whose time has
-- already passed are marked as sent, rather than flood every feed with
-- reminders of the past on the first run. The partial index holds only
-- the reminders still to send.

-- +goose Up
ALTER TABLE tasks ADD COLUMN reminded_at timestamptz;

UPDATE tasks SET reminded_at = remind_at WHERE remind_at <= now();

CREATE INDEX tasks_reminder_due ON tasks (remind_at)
    WHERE status = 'open' AND reminded_at IS DISTINCT FROM remind_at;
