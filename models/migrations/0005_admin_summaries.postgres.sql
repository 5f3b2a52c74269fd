ALTER TABLE schedules ADD COLUMN chat_id bigint DEFAULT 0 NOT NULL;
DROP INDEX idx_schedule;
CREATE UNIQUE INDEX idx_schedule ON schedules USING btree (kind, task_id, person_id, chat_id);
