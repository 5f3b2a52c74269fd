package models

import (
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A statement sent straight to the connection on SQLite is the one GORM
// would have built from the same text and arguments: slices and IDsIn
// expanded alike, an empty one as (NULL), the rest bound as they are.
func TestDirectStatementIsWhatGORMBuilds(t *testing.T) {
	db, err := gorm.Open(sqlite.Open("file::memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	id := uint(7)
	var none *uint
	for _, c := range []struct {
		query string
		args  []any
	}{
		{"SELECT 1 FROM t WHERE a = ? AND b = ? AND c = ?", []any{1, "x", at}},
		{"SELECT 1 FROM t WHERE a IN ? AND b = ? AND c IN ?", []any{[]uint{1, 2, 3}, &id, []OutKind{OutSendMessage, OutEditText}}},
		{"SELECT 1 FROM t WHERE a IN ? AND b = ?", []any{[]int64{}, none}},
		{"SELECT 1 FROM t WHERE ? AND b = ?", []any{IDsIn("t.task_id", []uint{4, 5}), OutboxPending}},
		{"SELECT 1 FROM t WHERE ? ORDER BY id", []any{IDsIn("task_id", nil)}},
	} {
		q, flat, ok := direct(db, c.query, c.args)
		if !ok {
			t.Errorf("%s: not sent directly", c.query)
			continue
		}
		want := db.ToSQL(func(tx *gorm.DB) *gorm.DB { return tx.Raw(c.query, c.args...).Scan(&[]int{}) })
		if got := db.Dialector.Explain(q, flat...); got != want {
			t.Errorf("direct: %s\nGORM:   %s", got, want)
		}
	}
}
