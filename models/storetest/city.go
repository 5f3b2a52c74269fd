package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// The city of the speed figures: 10,000 tasks × 3 milestones × 3
// attendants, 7,000 attendants and 100 leaders, everyone bound.
const (
	CityTasks      = 10_000
	CityAttendants = 7_000
	CityLeaders    = 100
)

// SeedCity fills s with the city by bulk SQL: the benchmarks measure what
// the bot does with it, not the import. Person i (from 1) is bound to the
// Telegram account 100000+i-1; leaders come first.
func SeedCity(tb testing.TB, s *models.Store) {
	tb.Helper()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	due := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		insert := func(table, cols string, n int, row func(i int) []any) error {
			return BulkInsert(tx, table, cols, n, row)
		}
		people := CityLeaders + CityAttendants
		if err := insert("people", "id,key,name,telegram_id,created_at,updated_at", people, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("p%d", i+1), fmt.Sprintf("联络员%d", i+1), 100000 + i, now, now}
		}); err != nil {
			return err
		}
		if err := insert("tasks", "id,code,title,department,created_at,updated_at", CityTasks, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("T%05d", i+1), "任务", fmt.Sprintf("单位%d", i%30), now, now}
		}); err != nil {
			return err
		}
		if err := insert("assignments", "person_id,task_id,role,created_at", CityTasks*4, func(i int) []any {
			t := i / 4
			if i%4 == 0 {
				return []any{t%CityLeaders + 1, t + 1, "leader", now}
			}
			return []any{CityLeaders + (t*3+i%4-1)%CityAttendants + 1, t + 1, "attendant", now}
		}); err != nil {
			return err
		}
		return insert("milestones", "task_id,seq,title,due_date,state,percent,created_at,updated_at", CityTasks*3, func(i int) []any {
			return []any{i/3 + 1, i%3 + 1, "节点", due, "pending", 0, now, now}
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	if s.Dialect == models.Postgres {
		if err := s.DB.Exec("ANALYZE").Error; err != nil {
			tb.Fatal(err)
		}
	}
}
