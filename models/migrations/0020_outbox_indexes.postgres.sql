DROP INDEX IF EXISTS idx_outbox_chat;
DROP INDEX IF EXISTS idx_outbox_sent;
DROP INDEX IF EXISTS idx_outbox_blob;
CREATE INDEX idx_outbox_blob ON outbox_messages USING btree (blob_id) WHERE (blob_id IS NOT NULL);
