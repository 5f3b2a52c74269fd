package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// bindForTest binds person key to a Telegram account in the database file.
func bindForTest(t *testing.T, db, key string, tg int64) {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := models.PersonByKey(store.DB, key)
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.CreateInvite(ctx, p.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.RedeemInvite(tx, token, tg, store.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Re-inviting must not hand a bound person to whoever opens the new link:
// bound people are skipped unless --rebind asks for them.
func TestInviteSkipsBoundPeopleUnlessRebind(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	bindForTest(t, db, "杨帆", 4242)
	links := func(out string) map[string]bool {
		got := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if key, _, ok := strings.Cut(line, "\t"); ok && strings.Contains(line, "https://t.me/bot_x?start=") {
				got[key] = true
			}
		}
		return got
	}

	out, err := run(t, "invite", "--all", "--bot-username", "bot_x", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if got := links(out); got["杨帆"] || !got["王建国"] {
		t.Errorf("--all reissued a bound person's link, or skipped an unbound one:\n%s", out)
	}
	if !strings.Contains(out, "杨帆") || !strings.Contains(out, "--rebind") {
		t.Errorf("--all does not say whom it skipped:\n%s", out)
	}

	out, err = run(t, "invite", "--person", "杨帆", "--bot-username", "bot_x", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "already bound") || !strings.Contains(err.Error(), "--rebind") || links(out)["杨帆"] {
		t.Errorf("--person on a bound person: %v\n%s", err, out)
	}

	out, err = run(t, "invite", "--person", "杨帆", "--rebind", "--bot-username", "bot_x", "--db", db)
	if err != nil || !links(out)["杨帆"] {
		t.Errorf("--person --rebind: %v\n%s", err, out)
	}
	out, err = run(t, "invite", "--all", "--rebind", "--bot-username", "bot_x", "--db", db)
	if got := links(out); err != nil || !got["杨帆"] || !got["王建国"] {
		t.Errorf("--all --rebind: %v\n%s", err, out)
	}
}
