ALTER TABLE ONLY inbox_updates DROP CONSTRAINT inbox_updates_pkey;
ALTER TABLE inbox_updates ADD COLUMN id bigint;
CREATE SEQUENCE inbox_updates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE inbox_updates_id_seq OWNED BY inbox_updates.id;
UPDATE inbox_updates SET id = ordered.n
    FROM (SELECT update_id, row_number() OVER (ORDER BY update_id) AS n FROM inbox_updates) ordered
    WHERE inbox_updates.update_id = ordered.update_id;
SELECT setval('inbox_updates_id_seq', COALESCE((SELECT MAX(id) FROM inbox_updates), 0) + 1, false);
ALTER TABLE ONLY inbox_updates ALTER COLUMN id SET DEFAULT nextval('inbox_updates_id_seq'::regclass);
ALTER TABLE ONLY inbox_updates ALTER COLUMN id SET NOT NULL;
ALTER TABLE ONLY inbox_updates ADD CONSTRAINT inbox_updates_pkey PRIMARY KEY (id);
ALTER TABLE inbox_updates ADD COLUMN live_update_id bigint;
UPDATE inbox_updates SET live_update_id = update_id;
CREATE UNIQUE INDEX idx_inbox_updates_live_update_id ON inbox_updates USING btree (live_update_id);
ALTER TABLE inbox_updates ADD COLUMN next_attempt_at timestamp with time zone;
