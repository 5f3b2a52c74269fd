package models

import (
	"sync"

	"gorm.io/gorm"
)

// A group of updates is handled in one transaction, and most of what each
// queues is an answer nobody reads before it is sent. Inserted one at a
// time, those answers were a fifth of a status reply; deferred, they wait
// in one batch and are written together, once for the group.
//
// The batch is found by the transaction's connection, not by a context or
// a session setting, so that every *gorm.DB derived from the transaction
// sees it. Order is kept: any other statement of the transaction that
// queues, moves or looks up queued messages writes the waiting ones first
// (settleDeferred), so each chat's queue is the same as if every message
// had been inserted when it was decided.
var deferred = struct {
	sync.Mutex
	batches map[gorm.ConnPool]*OutboxBatch
}{batches: map[gorm.ConnPool]*OutboxBatch{}}

// DeferOutbox makes the messages EnqueueRef queues inside tx wait in the
// batch it returns, until its Flush (call it before tx commits) or until a
// statement of tx needs them written. An edit that gives a known message a
// new purpose is written at once: a reply to that message is read through
// it (SentMessage). forget must be called once tx has ended.
//
// Rows added after a Mark are dropped by Rollback to it, which must follow
// a rollback of tx to a savepoint taken with the mark: the rows written in
// between are then undone, and the next Flush writes again those of them
// that were added before the mark.
func DeferOutbox(tx *gorm.DB) (q *OutboxBatch, forget func()) {
	q = &OutboxBatch{retain: true}
	conn := tx.Statement.ConnPool
	deferred.Lock()
	deferred.batches[conn] = q
	deferred.Unlock()
	return q, func() {
		deferred.Lock()
		if deferred.batches[conn] == q {
			delete(deferred.batches, conn)
		}
		deferred.Unlock()
	}
}

// deferredOf is the batch DeferOutbox gave tx's transaction, or nil.
func deferredOf(tx *gorm.DB) *OutboxBatch {
	if tx == nil || tx.Statement == nil {
		return nil
	}
	deferred.Lock()
	defer deferred.Unlock()
	if len(deferred.batches) == 0 {
		return nil
	}
	return deferred.batches[tx.Statement.ConnPool]
}

// settleDeferred writes the messages waiting for tx's transaction, before
// a statement that queues, moves or looks up queued messages.
func settleDeferred(tx *gorm.DB) error {
	q := deferredOf(tx)
	if q == nil || q.written == len(q.rows) {
		return nil
	}
	_, err := q.Flush(tx)
	return err
}

// OutboxMark is where a batch stood when Mark was called.
type OutboxMark struct{ rows, written int }

// Mark notes where the batch stands, for Rollback.
func (q *OutboxBatch) Mark() OutboxMark { return OutboxMark{rows: len(q.rows), written: q.written} }

// Rollback forgets the rows added since m. It follows a rollback of the
// transaction to a savepoint taken with m, which undid whatever was
// written since: rows added before m and written since are written again
// by the next Flush.
func (q *OutboxBatch) Rollback(m OutboxMark) {
	q.rows = q.rows[:m.rows]
	q.written = min(q.written, m.written)
	for i := range q.files {
		if i >= m.rows {
			delete(q.files, i)
		}
	}
	q.shared = nil
}
