ALTER TABLE people ADD COLUMN summary_at character varying(5) DEFAULT ''::character varying NOT NULL;
CREATE TABLE summary_marks (
    id bigserial PRIMARY KEY,
    person_id bigint NOT NULL,
    task_id bigint NOT NULL,
    light character varying(16) NOT NULL,
    updated_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_summary_mark ON summary_marks USING btree (person_id, task_id);
CREATE INDEX idx_coordination_requests_open ON coordination_requests USING btree (task_id, resolved_at);
