ALTER TABLE milestones ADD COLUMN original_due timestamp with time zone;
ALTER TABLE milestones ADD COLUMN baseline_due timestamp with time zone;
ALTER TABLE milestones ADD COLUMN listed_due timestamp with time zone;
UPDATE milestones SET original_due = due_date, baseline_due = due_date, listed_due = due_date;
CREATE TABLE extension_requests (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL,
    milestone_id bigint NOT NULL,
    requested_by bigint NOT NULL,
    from_due timestamp with time zone NOT NULL,
    new_due timestamp with time zone NOT NULL,
    reason character varying(2000) NOT NULL,
    decision character varying(16) DEFAULT ''::character varying NOT NULL,
    decided_by bigint,
    answer character varying(2000) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    decided_at timestamp with time zone
);
CREATE INDEX idx_extension_requests_task_id ON extension_requests USING btree (task_id);
CREATE INDEX idx_extension_requests_milestone_id ON extension_requests USING btree (milestone_id);
CREATE UNIQUE INDEX idx_extension_open ON extension_requests USING btree (milestone_id) WHERE ((decision)::text = ''::text);
