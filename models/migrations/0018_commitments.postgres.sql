CREATE TABLE commitment_versions (
    id bigserial PRIMARY KEY,
    leader_id bigint NOT NULL,
    period character varying(64) NOT NULL,
    version bigint NOT NULL,
    lang character varying(8) NOT NULL,
    text text NOT NULL,
    fingerprint character varying(64) NOT NULL,
    issued_by_id bigint,
    issued_by_telegram_id bigint DEFAULT 0 NOT NULL,
    issued_via character varying(16) DEFAULT ''::character varying NOT NULL,
    issued_at timestamp with time zone
);
CREATE UNIQUE INDEX idx_commitment_version ON commitment_versions USING btree (leader_id, period, version);
CREATE INDEX idx_commitment_versions_period ON commitment_versions USING btree (period);
CREATE TABLE commitment_events (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    person_id bigint NOT NULL,
    telegram_user_id bigint DEFAULT 0 NOT NULL,
    fingerprint character varying(64) NOT NULL,
    method character varying(16) DEFAULT ''::character varying NOT NULL,
    update_id bigint DEFAULT 0 NOT NULL,
    text character varying(2000) DEFAULT ''::character varying NOT NULL,
    at timestamp with time zone
);
CREATE INDEX idx_commitment_events_version_id ON commitment_events USING btree (version_id);
CREATE UNIQUE INDEX idx_commitment_signed ON commitment_events USING btree (version_id) WHERE ((kind)::text = 'signed'::text);
