package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// eachDatabase runs a command test on a new SQLite file and on a new
// PostgreSQL schema, each named by its --db value.
func eachDatabase(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, filepath.Join(t.TempDir(), "t.db")) })
	t.Run("postgres", func(t *testing.T) { test(t, storetest.PostgresDSN(t)) })
}

// An import that takes a deputy off the task of the person they stand in
// for ends the delegation, and the admins (--admin, as `run` has them) are
// told who reports now, as is the person away.
func TestImportTellsTheAdminsOfAnEndedDelegation(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db string) {
		list := filepath.Join("..", "..", "examples", "tasks.csv")
		if _, err := run(t, "import", "--db", db, list); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		store, err := models.Open(ctx, db, models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.DB.Exec("UPDATE people SET telegram_id = 500000 + id").Error; err != nil {
			t.Fatal(err)
		}
		d, err := models.TaskByCode(store.DB, "T01")
		if err != nil || len(d.Attendants) != 2 {
			t.Fatalf("T01 of the example list: %+v, %v", d, err)
		}
		away, deputy := d.Attendants[0], d.Attendants[1]
		if !strings.HasPrefix(away.Key, "杨帆") || !strings.HasPrefix(deputy.Key, "赵磊") {
			t.Fatalf("T01's attendants %s, %s", away.Key, deputy.Key)
		}
		_ = store.Close()
		if _, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-03-02", "--to", "2099-03-06", "--deputy", deputy.Key); err != nil {
			t.Fatal(err)
		}

		// The list again, with 赵磊 no longer on T01.
		raw, err := os.ReadFile(list)
		if err != nil {
			t.Fatal(err)
		}
		without := strings.Replace(string(raw), ",杨帆、赵磊,", ",杨帆,", 1)
		if without == string(raw) {
			t.Fatal("the example list no longer names T01's attendants as this test expects")
		}
		edited := filepath.Join(t.TempDir(), "tasks.csv")
		if err := os.WriteFile(edited, []byte(without), 0o600); err != nil {
			t.Fatal(err)
		}
		const admin = 777
		out, err := run(t, "import", "--db", db, "--admin", "777", edited)
		if err != nil || !strings.Contains(out, "deputy ended: "+deputy.Key+" no longer reports T01 for "+away.Key) {
			t.Fatalf("import: %v\n%s", err, out)
		}

		store, err = models.Open(ctx, db, models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		told := func(chatID int64) string {
			t.Helper()
			var rows []models.OutboxMessage
			if err := store.DB.Where("chat_id = ?", chatID).Order("id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, r := range rows {
				o, err := r.Outgoing()
				if err != nil {
					t.Fatal(err)
				}
				texts = append(texts, o.Text)
			}
			return strings.Join(texts, "\n")
		}
		if got := told(admin); !strings.Contains(got, "代报终止") || !strings.Contains(got, deputy.Key) || !strings.Contains(got, "T01") {
			t.Fatalf("the admin was told %q", got)
		}
		if got := told(500000 + int64(away.ID)); !strings.Contains(got, deputy.Key) {
			t.Fatalf("the person away was told %q", got)
		}
		delegations, err := models.Delegations(store.DB, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, dl := range delegations {
			if dl.PersonID == away.ID && dl.DeputyID == deputy.ID && dl.TaskID == d.Task.ID {
				t.Fatalf("the delegation still holds: %+v", dl)
			}
		}
		var audits int64
		store.DB.Model(&models.AuditEvent{}).Where("kind = 'delegation_ended'").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d delegation_ended audit rows, want 1", audits)
		}
	})
}
