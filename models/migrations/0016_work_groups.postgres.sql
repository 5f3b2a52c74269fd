CREATE TABLE work_groups (
    id bigserial PRIMARY KEY,
    chat_id bigint NOT NULL,
    title character varying(255) DEFAULT ''::character varying NOT NULL,
    forum boolean DEFAULT false NOT NULL,
    bot_status character varying(16) DEFAULT ''::character varying NOT NULL,
    bot_rights character varying(300) DEFAULT ''::character varying NOT NULL,
    rights_seen_at timestamp with time zone,
    bound_by_person bigint,
    bound_by_telegram bigint DEFAULT 0 NOT NULL,
    bound_at timestamp with time zone,
    ack_mode character varying(16) DEFAULT 'quiet'::character varying NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_work_groups_chat_id ON work_groups USING btree (chat_id);
CREATE TABLE work_group_tasks (
    id bigserial PRIMARY KEY,
    work_group_id bigint NOT NULL,
    task_id bigint NOT NULL,
    delivery character varying(16) DEFAULT 'private'::character varying NOT NULL,
    bound_by_person bigint,
    bound_by_telegram bigint DEFAULT 0 NOT NULL,
    bound_at timestamp with time zone
);
CREATE INDEX idx_work_group_tasks_work_group_id ON work_group_tasks USING btree (work_group_id);
CREATE UNIQUE INDEX idx_work_group_tasks_task_id ON work_group_tasks USING btree (task_id);
CREATE TABLE task_topics (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL,
    chat_id bigint NOT NULL,
    thread_id bigint DEFAULT 0 NOT NULL,
    outbox_id bigint,
    name character varying(600) DEFAULT ''::character varying NOT NULL,
    light character varying(16) DEFAULT ''::character varying NOT NULL,
    closed boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_task_topic ON task_topics USING btree (task_id, chat_id);
CREATE INDEX idx_task_topics_chat_id ON task_topics USING btree (chat_id);
CREATE TABLE group_reminders (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL,
    chat_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    slot_key character varying(40) NOT NULL,
    thread_id bigint DEFAULT 0 NOT NULL,
    outbox_id bigint NOT NULL,
    text text NOT NULL,
    created_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_group_reminder ON group_reminders USING btree (task_id, chat_id, kind, slot_key);
CREATE INDEX idx_group_reminders_outbox_id ON group_reminders USING btree (outbox_id);
