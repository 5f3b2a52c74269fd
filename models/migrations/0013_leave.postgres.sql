CREATE TABLE leaves (
    id bigserial PRIMARY KEY,
    person_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    first_day timestamp with time zone NOT NULL,
    last_day timestamp with time zone NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    deputy_id bigint,
    reason character varying(500) NOT NULL DEFAULT '',
    created_by bigint NOT NULL,
    created_at timestamp with time zone,
    cancelled_at timestamp with time zone,
    returned_at timestamp with time zone
);
CREATE INDEX idx_leaves_person ON leaves USING btree (person_id, ends_at);
CREATE INDEX idx_leaves_deputy ON leaves USING btree (deputy_id);
CREATE TABLE leave_deputies (
    id bigserial PRIMARY KEY,
    leave_id bigint NOT NULL,
    task_id bigint NOT NULL,
    deputy_id bigint NOT NULL
);
CREATE UNIQUE INDEX idx_leave_deputy ON leave_deputies USING btree (leave_id, task_id);
CREATE INDEX idx_leave_deputies_deputy_id ON leave_deputies USING btree (deputy_id);
ALTER TABLE reports ADD COLUMN on_behalf_of_id bigint;
ALTER TABLE instruction_receipts ADD COLUMN confirmed_by_id bigint;
