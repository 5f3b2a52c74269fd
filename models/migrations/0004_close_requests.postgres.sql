CREATE TABLE close_requests (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL,
    requested_by bigint NOT NULL,
    decided_by bigint,
    decision character varying(16) DEFAULT ''::character varying NOT NULL,
    reason character varying(2000) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    decided_at timestamp with time zone
);
CREATE INDEX idx_close_requests_task_id ON close_requests USING btree (task_id);
