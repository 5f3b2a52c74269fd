package models

// AddStored is Add for a message whose file is stored already as blob
// (PutBlob); a file left in out is not stored again. A round that sends
// one picture to many chats stores it once instead of once a message.
func (q *OutboxBatch) AddStored(key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef, blob uint) error {
	out.File = nil
	if err := q.Add(key, chatID, kind, out, ref); err != nil {
		return err
	}
	q.rows[len(q.rows)-1].BlobID = &blob
	return nil
}
