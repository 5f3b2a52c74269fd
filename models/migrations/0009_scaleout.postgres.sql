ALTER TABLE outbox_messages ADD COLUMN claim character varying(64) DEFAULT ''::character varying NOT NULL;
ALTER TABLE outbox_messages ADD COLUMN claimed_by character varying(64) DEFAULT ''::character varying NOT NULL;
ALTER TABLE outbox_messages ADD COLUMN attempted_at timestamp with time zone;
ALTER TABLE outbox_messages ADD COLUMN blob_id bigint;
CREATE INDEX idx_outbox_sent ON outbox_messages USING btree (state, sent_at);
CREATE TABLE leases (name character varying(64) NOT NULL PRIMARY KEY, holder character varying(64) NOT NULL, token bigint NOT NULL, expires_at timestamp with time zone NOT NULL);
CREATE TABLE instances (id character varying(64) NOT NULL PRIMARY KEY, host character varying(200) DEFAULT ''::character varying NOT NULL, started_at timestamp with time zone NOT NULL, heartbeat_at timestamp with time zone NOT NULL);
CREATE TABLE blobs (id bigserial PRIMARY KEY, sha256 character varying(64) NOT NULL, size bigint NOT NULL, data bytea NOT NULL, created_at timestamp with time zone);
CREATE UNIQUE INDEX idx_blobs_sha256 ON blobs USING btree (sha256);
