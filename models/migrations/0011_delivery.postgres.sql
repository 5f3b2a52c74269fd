ALTER TABLE outbox_messages ADD COLUMN priority smallint DEFAULT 0 NOT NULL;
ALTER TABLE outbox_messages ADD COLUMN head boolean DEFAULT false NOT NULL;
UPDATE outbox_messages SET head = true WHERE id IN (SELECT MIN(id) FROM outbox_messages WHERE state IN ('pending', 'sending') GROUP BY chat_id);
CREATE INDEX idx_outbox_head ON outbox_messages USING btree (state, priority, id) WHERE head;
CREATE INDEX idx_outbox_queue ON outbox_messages USING btree (chat_id, state, id);
CREATE INDEX idx_outbox_blob ON outbox_messages USING btree (blob_id);
ALTER TABLE blobs ADD COLUMN used_at timestamp with time zone;
UPDATE blobs SET used_at = created_at;
