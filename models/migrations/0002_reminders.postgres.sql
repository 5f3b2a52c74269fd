CREATE TABLE schedules (
    id bigserial PRIMARY KEY,
    kind character varying(16) NOT NULL,
    task_id bigint DEFAULT 0 NOT NULL,
    person_id bigint NOT NULL,
    spec character varying(100) NOT NULL,
    time_zone character varying(64) NOT NULL,
    next_wall character varying(32) NOT NULL,
    next_fire_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_schedule ON schedules USING btree (kind, task_id, person_id);
CREATE INDEX idx_schedules_next_fire_at ON schedules USING btree (next_fire_at);
CREATE TABLE reminders (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL,
    person_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    slot_key character varying(40) NOT NULL,
    slot_at timestamp with time zone NOT NULL,
    follow_up_at timestamp with time zone,
    follow_up_done boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_reminder ON reminders USING btree (task_id, person_id, kind, slot_key);
CREATE INDEX idx_reminders_task_id ON reminders USING btree (task_id);
CREATE INDEX idx_reminders_follow_up_at ON reminders USING btree (follow_up_at);
CREATE TABLE calendar_days (
    id bigserial PRIMARY KEY,
    day character varying(10) NOT NULL,
    kind character varying(16) NOT NULL,
    name character varying(100) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_calendar_days_day ON calendar_days USING btree (day);
CREATE TABLE pending_replies (
    id bigserial PRIMARY KEY,
    person_id bigint NOT NULL,
    task_id bigint NOT NULL,
    chat_id bigint NOT NULL,
    message_id bigint NOT NULL,
    update_id bigint NOT NULL,
    text character varying(8000) NOT NULL,
    created_at timestamp with time zone,
    resolved_at timestamp with time zone
);
CREATE INDEX idx_pending_replies_person_id ON pending_replies USING btree (person_id);
ALTER TABLE outbox_messages ADD COLUMN purpose character varying(24) DEFAULT ''::character varying NOT NULL;
ALTER TABLE outbox_messages ADD COLUMN task_id bigint;
ALTER TABLE outbox_messages ADD COLUMN report_id bigint;
CREATE INDEX idx_outbox_chat_message ON outbox_messages USING btree (chat_id, telegram_message_id);
ALTER TABLE reports ADD COLUMN source character varying(16) DEFAULT ''::character varying NOT NULL;
CREATE INDEX idx_report_message ON reports USING btree (chat_id, message_id);
