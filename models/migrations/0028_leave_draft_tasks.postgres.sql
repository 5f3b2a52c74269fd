CREATE TABLE leave_draft_tasks (
    id bigserial PRIMARY KEY,
    draft_id bigint NOT NULL,
    task_id bigint NOT NULL,
    deputy_id bigint
);
CREATE UNIQUE INDEX idx_leave_draft_task ON leave_draft_tasks USING btree (draft_id, task_id);
