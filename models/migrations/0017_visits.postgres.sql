CREATE TABLE visits (
    id bigserial PRIMARY KEY,
    person_id bigint NOT NULL,
    kind character varying(16) DEFAULT ''::character varying NOT NULL,
    state character varying(16) DEFAULT 'draft'::character varying NOT NULL,
    text character varying(4000) DEFAULT ''::character varying NOT NULL,
    lat double precision,
    lon double precision,
    location_source character varying(16) DEFAULT ''::character varying NOT NULL,
    live_seconds bigint DEFAULT 0 NOT NULL,
    started_at timestamp with time zone,
    saved_at timestamp with time zone
);
CREATE INDEX idx_visits_person_id ON visits USING btree (person_id);
CREATE UNIQUE INDEX idx_visit_draft ON visits USING btree (person_id) WHERE ((state)::text = 'draft'::text);
CREATE INDEX idx_visits_saved_at ON visits USING btree (saved_at);
CREATE TABLE visit_tasks (
    id bigserial PRIMARY KEY,
    visit_id bigint NOT NULL,
    task_id bigint NOT NULL
);
CREATE UNIQUE INDEX idx_visit_task ON visit_tasks USING btree (visit_id, task_id);
CREATE INDEX idx_visit_tasks_task_id ON visit_tasks USING btree (task_id);
CREATE TABLE visit_findings (
    id bigserial PRIMARY KEY,
    visit_id bigint NOT NULL,
    seq bigint NOT NULL,
    kind character varying(16) NOT NULL,
    task_id bigint,
    text character varying(2000) NOT NULL,
    coordination_id bigint
);
CREATE INDEX idx_visit_findings_visit_id ON visit_findings USING btree (visit_id);
CREATE TABLE visit_files (
    id bigserial PRIMARY KEY,
    visit_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    file_id character varying(200) NOT NULL,
    file_name character varying(200) DEFAULT ''::character varying NOT NULL
);
CREATE INDEX idx_visit_files_visit_id ON visit_files USING btree (visit_id);
ALTER TABLE tasks ADD COLUMN site_lat double precision, ADD COLUMN site_lon double precision;
