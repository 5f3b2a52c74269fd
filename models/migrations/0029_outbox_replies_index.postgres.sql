DROP INDEX IF EXISTS idx_outbox_chat_message;
CREATE INDEX idx_outbox_chat_message ON outbox_messages USING btree (chat_id, telegram_message_id) WHERE (telegram_message_id <> 0);
