ALTER TABLE outbox_messages SET (fillfactor = 70);
