UPDATE reminders SET follow_up_at = NULL WHERE follow_up_done;
DROP INDEX idx_reminders_follow_up_at;
CREATE INDEX idx_reminders_follow_up_open ON reminders USING btree (follow_up_at) WHERE follow_up_at IS NOT NULL;
