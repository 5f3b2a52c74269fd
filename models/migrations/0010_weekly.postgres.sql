CREATE TABLE weekly_marks (
    id bigserial PRIMARY KEY,
    chat_id bigint NOT NULL,
    task_id bigint NOT NULL,
    light character varying(16) NOT NULL,
    updated_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_weekly_mark ON weekly_marks USING btree (chat_id, task_id);
CREATE TABLE weekly_digests (
    chat_id bigint PRIMARY KEY,
    week character varying(10) NOT NULL,
    sent_at timestamp with time zone NOT NULL
);
