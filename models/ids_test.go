package models_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A query of many ids binds them as one array on PostgreSQL, whose parse
// and plan of thousands of parameters cost more than the query, and as a
// list on SQLite; either way it finds exactly the rows named, and none for
// no ids.
func TestIDsInFindsTheRowsNamed(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		if _, err := s.ImportTasks(context.Background(), sampleList(), false); err != nil {
			t.Fatal(err)
		}
		var all []uint
		if err := s.DB.Model(&models.Task{}).Order("id").Pluck("id", &all).Error; err != nil {
			t.Fatal(err)
		}
		if len(all) < 2 {
			t.Fatalf("%d tasks in the sample", len(all))
		}
		many := make([]uint, 3000)
		for i := range many {
			many[i] = uint(i + 100000)
		}
		for _, tc := range []struct {
			name string
			ids  []uint
			want []uint
		}{
			{"none", nil, nil},
			{"one", all[:1], all[:1]},
			{"some among thousands missing", append(slices.Clone(many), all[1:]...), all[1:]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dry := s.DB.Session(&gorm.Session{DryRun: true}).Model(&models.Task{}).Where(models.IDsIn("id", tc.ids)).Find(&[]models.Task{})
				wantVars := len(tc.ids)
				if s.Dialect == models.Postgres {
					wantVars = 1
				}
				if len(tc.ids) > 0 && len(dry.Statement.Vars) != wantVars {
					t.Errorf("%d parameters for %d ids: %s", len(dry.Statement.Vars), len(tc.ids), dry.Statement.SQL.String()[:80])
				}
				var got []uint
				if err := s.DB.Model(&models.Task{}).Where(models.IDsIn("id", tc.ids)).Order("id").Pluck("id", &got).Error; err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("found %v, want %v", got, tc.want)
				}
			})
		}
	})
}

// On PostgreSQL the ids reach the planner as one constant array. Cast from
// text inside the statement, the array was parsed again for every row a
// sequential scan filtered: reading the summary marks of 1,000 people
// took seconds once the table outgrew its statistics.
func TestIDsInArrayIsParsedOnce(t *testing.T) {
	s := storetest.Postgres(t, models.Options{})
	ids := make([]uint, 1000)
	for i := range ids {
		ids[i] = uint(i + 1)
	}
	var plan []string
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		// The plan the planner takes for a table it believes small.
		if err := tx.Exec("SET LOCAL enable_indexscan = off").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL enable_bitmapscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN VERBOSE SELECT light FROM summary_marks WHERE ?", models.IDsIn("person_id", ids)).Scan(&plan).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "Seq Scan") || !strings.Contains(text, "'::bigint[]") || strings.Contains(text, "::cstring") {
		t.Errorf("the ids are not one constant array in the filter:\n%.400s", text)
	}
}

// Chat ids go the same way, groups' negative ones too.
func TestChatsInFindsTheChatsNamed(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		for i, chat := range []int64{-1001234567890, 42, 43} {
			if err := models.Enqueue(s.DB, "k"+strings.Repeat("x", i), chat, models.OutSendMessage, models.Outgoing{Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		}
		chats := []int64{-1001234567890, 43, 7}
		dry := s.DB.Session(&gorm.Session{DryRun: true}).Model(&models.OutboxMessage{}).Where(models.ChatsIn("chat_id", chats)).Find(&[]models.OutboxMessage{})
		if wantVars := map[models.Dialect]int{models.Postgres: 1, models.SQLite: 3}[s.Dialect]; len(dry.Statement.Vars) != wantVars {
			t.Errorf("%d parameters for %d chats", len(dry.Statement.Vars), len(chats))
		}
		var got []int64
		if err := s.DB.Model(&models.OutboxMessage{}).Where(models.ChatsIn("chat_id", chats)).Order("chat_id").Pluck("chat_id", &got).Error; err != nil {
			t.Fatal(err)
		}
		if want := []int64{-1001234567890, 43}; !slices.Equal(got, want) {
			t.Errorf("found %v, want %v", got, want)
		}
	})
}
