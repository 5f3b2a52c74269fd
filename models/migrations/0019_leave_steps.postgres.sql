CREATE TABLE leave_drafts (
    id bigserial PRIMARY KEY,
    person_id bigint NOT NULL,
    step character varying(16) NOT NULL,
    kind character varying(16) NOT NULL DEFAULT '',
    first_day timestamp with time zone,
    last_day timestamp with time zone,
    deputy_id bigint,
    updated_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_leave_drafts_person ON leave_drafts USING btree (person_id);
ALTER TABLE leaves ADD COLUMN awaiting_approval boolean NOT NULL DEFAULT false;
ALTER TABLE leaves ADD COLUMN decided_by bigint;
ALTER TABLE leaves ADD COLUMN decided_at timestamp with time zone;
