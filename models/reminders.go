package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// reminderChunk bounds the reminder rows one insert writes: on SQLite its
// 8 parameters a row stay far below the 32766 a statement may bind.
const reminderChunk = 1000

// RecordReminders writes reminder rows inside tx, in order, a statement
// per reminderChunk rows; a row already recorded (the same slot twice) is
// left as it is. Nothing is read back: a round records thousands at once,
// and no caller needs their ids.
func RecordReminders(tx *gorm.DB, rows []Reminder) error {
	now := tx.NowFunc()
	for chunk := range slices.Chunk(rows, reminderChunk) {
		var err error
		if tx.Dialector.Name() == "postgres" {
			err = recordRemindersPostgres(tx, chunk, now)
		} else {
			err = recordRemindersSQLite(tx, chunk, now)
		}
		if err != nil {
			return fmt.Errorf("record %d reminders: %w", len(chunk), err)
		}
	}
	return nil
}

// The rows come as one JSON parameter, like the outbox's: one short
// statement to parse and plan whatever their number.
func recordRemindersPostgres(tx *gorm.DB, rows []Reminder, now time.Time) error {
	type value struct {
		N        int        `json:"n"`
		Task     uint       `json:"t"`
		Person   uint       `json:"p"`
		Kind     string     `json:"k"`
		Slot     string     `json:"s"`
		SlotAt   time.Time  `json:"a"`
		FollowUp *time.Time `json:"f"`
		Done     bool       `json:"d"`
	}
	values := make([]value, len(rows))
	for i, r := range rows {
		values[i] = value{N: i, Task: r.TaskID, Person: r.PersonID, Kind: string(r.Kind), Slot: r.SlotKey, SlotAt: r.SlotAt.UTC(),
			FollowUp: r.FollowUpAt, Done: r.FollowUpDone}
	}
	list, err := json.Marshal(values)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO reminders (task_id, person_id, kind, slot_key, slot_at, follow_up_at, follow_up_done, created_at)
SELECT v.t, v.p, v.k, v.s, v.a, v.f, v.d, ?
FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(n int, t bigint, p bigint, k text, s text, a timestamptz, f timestamptz, d boolean)
ORDER BY v.n
ON CONFLICT DO NOTHING`, now, string(list)).Error
}

// Times are bound as parameters on SQLite: the driver writes them in the
// one text form every comparison of the column relies on.
func recordRemindersSQLite(tx *gorm.DB, rows []Reminder, now time.Time) error {
	var sql strings.Builder
	sql.WriteString("INSERT INTO reminders (task_id, person_id, kind, slot_key, slot_at, follow_up_at, follow_up_done, created_at) VALUES ")
	args := make([]any, 0, 8*len(rows))
	for i, r := range rows {
		if i > 0 {
			sql.WriteByte(',')
		}
		sql.WriteString("(?,?,?,?,?,?,?,?)")
		var follow any
		if r.FollowUpAt != nil {
			follow = *r.FollowUpAt
		}
		args = append(args, r.TaskID, r.PersonID, string(r.Kind), r.SlotKey, r.SlotAt, follow, r.FollowUpDone, now)
	}
	sql.WriteString(" ON CONFLICT DO NOTHING")
	return tx.Exec(sql.String(), args...).Error
}
