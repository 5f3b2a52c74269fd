CREATE TABLE periods (
    id bigserial PRIMARY KEY,
    name character varying(64) NOT NULL,
    first_day timestamp with time zone NOT NULL,
    last_day timestamp with time zone NOT NULL,
    created_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_periods_name ON periods USING btree (name);
CREATE TABLE period_snapshots (
    id bigserial PRIMARY KEY,
    period_key character varying(64) NOT NULL,
    first_day timestamp with time zone NOT NULL,
    last_day timestamp with time zone NOT NULL,
    frozen_at timestamp with time zone NOT NULL,
    announced_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_period_snapshots_key ON period_snapshots USING btree (period_key);
CREATE TABLE period_figures (
    id bigserial PRIMARY KEY,
    snapshot_id bigint NOT NULL,
    scope character varying(16) NOT NULL,
    scope_key character varying(200) NOT NULL,
    name character varying(200) NOT NULL DEFAULT '',
    title character varying(800) NOT NULL DEFAULT '',
    due bigint NOT NULL DEFAULT 0,
    done bigint NOT NULL DEFAULT 0,
    on_time bigint NOT NULL DEFAULT 0,
    late bigint NOT NULL DEFAULT 0,
    due_by_today bigint NOT NULL DEFAULT 0,
    done_by_today bigint NOT NULL DEFAULT 0,
    behind_tasks bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX idx_period_figure ON period_figures USING btree (snapshot_id, scope, scope_key);
