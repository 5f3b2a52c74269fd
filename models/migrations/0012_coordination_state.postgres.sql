ALTER TABLE coordination_requests ADD COLUMN state character varying(16) DEFAULT 'open'::character varying NOT NULL;
UPDATE coordination_requests SET state = 'resolved' WHERE resolved_at IS NOT NULL;
