package models_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func newClock() *storetest.Clock {
	return storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
}

var entities = []any{
	&models.Person{}, &models.Task{}, &models.Milestone{}, &models.Assignment{}, &models.Report{},
	&models.Attachment{}, &models.Instruction{}, &models.InstructionReceipt{}, &models.CoordinationRequest{},
	&models.Invite{}, &models.AuditEvent{}, &models.InboxUpdate{}, &models.OutboxMessage{},
	&models.Schedule{}, &models.Reminder{}, &models.CalendarDay{}, &models.PendingReply{}, &models.SummaryMark{},
	&models.CloseRequest{}, &models.Lease{}, &models.Instance{}, &models.Blob{}, &models.WeeklyMark{}, &models.WeeklyDigest{},
	&models.Leave{}, &models.LeaveDeputy{}, &models.LeaveDraft{}, &models.LeaveDraftTask{},
	&models.ExtensionRequest{},
	&models.Period{}, &models.PeriodSnapshot{}, &models.PeriodFigure{},
	&models.WorkGroup{}, &models.WorkGroupTask{}, &models.TaskTopic{}, &models.GroupReminder{},
	&models.Visit{}, &models.VisitTask{}, &models.VisitFinding{}, &models.VisitFile{},
	&models.AdminLanguage{},
	&models.CommitmentVersion{}, &models.CommitmentEvent{},
}

// The frozen SQL migrations must create every column the entities use: an
// entity changed without a migration fails here, not in production.
func TestMigrationsMatchEntities(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		m := s.DB.Migrator()
		for _, e := range entities {
			stmt := &gorm.Statement{DB: s.DB}
			if err := stmt.Parse(e); err != nil {
				t.Fatal(err)
			}
			if !m.HasTable(e) {
				t.Errorf("table %s missing", stmt.Schema.Table)
				continue
			}
			for _, f := range stmt.Schema.Fields {
				if f.DBName == "" {
					continue
				}
				if !m.HasColumn(e, f.DBName) {
					t.Errorf("column %s.%s missing", stmt.Schema.Table, f.DBName)
				}
			}
			for _, idx := range stmt.Schema.ParseIndexes() {
				if !m.HasIndex(e, idx.Name) {
					t.Errorf("index %s on %s missing", idx.Name, stmt.Schema.Table)
				}
			}
		}
	})
}

// Every schema version upgrades to the latest with data in it, and opening
// an up-to-date database again changes nothing.
func TestMigrationUpgradeFromEveryVersion(t *testing.T) {
	versions := models.SchemaVersions()
	for i := range versions {
		from := versions[i]
		t.Run("from_"+from, func(t *testing.T) {
			path := storetest.SQLitePath(t)
			ctx := context.Background()
			old, err := models.Open(ctx, path, models.Options{SkipMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := old.MigrateTo(ctx, from); err != nil {
				t.Fatalf("migrate to %s: %v", from, err)
			}
			if err := old.DB.Exec("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T99', 'old task', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
				t.Fatalf("seed %s: %v", from, err)
			}
			_ = old.Close()
			for range 2 {
				s, err := models.Open(ctx, path, models.Options{})
				if err != nil {
					t.Fatalf("upgrade from %s: %v", from, err)
				}
				var n int64
				s.DB.Model(&models.Task{}).Where("code = 'T99'").Count(&n)
				if n != 1 {
					t.Fatalf("task seeded at %s lost in upgrade", from)
				}
				_ = s.Close()
			}
		})
	}
}

func TestSQLiteSettings(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	checkSQLiteSettings(t, s)
}

// A file name with characters an SQLite URI reads otherwise ('#' ends the
// path, '?' starts the settings, '%' escapes) is opened as named, with every
// setting.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ops #2?v=1 100%", "taskbot.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := models.Open(context.Background(), path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSQLiteSettings(t, s)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not where it was asked for: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("files beside the database's directory: %v %v", entries, err)
	}
}

func checkSQLiteSettings(t *testing.T, s *models.Store) {
	t.Helper()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000",
		"temp_store": "2"} {
		var got string
		if err := s.DB.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestTimesStoredInUTC(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		shanghai := time.FixedZone("CST", 8*3600)
		local := time.Date(2026, 3, 1, 8, 0, 0, 0, shanghai)
		ev := models.AuditEvent{At: local, Kind: "probe"}
		if err := s.DB.Create(&ev).Error; err != nil {
			t.Fatal(err)
		}
		var back models.AuditEvent
		if err := s.DB.Take(&back, ev.ID).Error; err != nil {
			t.Fatal(err)
		}
		if !back.At.Equal(local) {
			t.Fatalf("time changed: %v vs %v", back.At, local)
		}
	})
}

func seedPerson(t *testing.T, s *models.Store, key string) *models.Person {
	t.Helper()
	p := &models.Person{Key: key, Name: key}
	if err := s.DB.Create(p).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInvites(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ann := seedPerson(t, s, "王建国")
		bob := seedPerson(t, s, "李明")
		// On a task: an account bound to someone on no task may move.
		task := models.Task{Code: "T01", Title: "招商"}
		if err := s.DB.Create(&task).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Create(&models.Assignment{PersonID: ann.ID, TaskID: task.ID, Role: models.RoleLeader}).Error; err != nil {
			t.Fatal(err)
		}
		redeem := func(token string, tg int64) (*models.Person, error) {
			var p *models.Person
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				p, err = models.RedeemInvite(tx, token, tg, clock.Now())
				return err
			})
			return p, err
		}

		old, err := s.CreateInvite(ctx, ann.ID, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(old) < 22 {
			t.Fatalf("token %q shorter than 128 bits", old)
		}
		token, err := s.CreateInvite(ctx, ann.ID, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var stored int64
		s.DB.Model(&models.Invite{}).Where("token_hash = ?", token).Count(&stored)
		if stored != 0 {
			t.Fatal("token stored in clear")
		}

		if _, err := redeem(old, 1001); !errors.Is(err, models.ErrInviteRevoked) {
			t.Fatalf("revoked invite: got %v", err)
		}
		if _, err := redeem("not-a-token", 1001); !errors.Is(err, models.ErrInviteUnknown) {
			t.Fatalf("wrong token: got %v", err)
		}
		p, err := redeem(token, 1001)
		if err != nil {
			t.Fatalf("redeem: %v", err)
		}
		if p.TelegramID == nil || *p.TelegramID != 1001 || p.Name != "王建国" {
			t.Fatalf("bound person %+v", p)
		}
		if _, err := redeem(token, 1001); !errors.Is(err, models.ErrInviteUsed) {
			t.Fatalf("reused invite: got %v", err)
		}

		expiring, err := s.CreateInvite(ctx, bob.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := redeem(expiring, 1002); !errors.Is(err, models.ErrInviteExpired) {
			t.Fatalf("expired invite: got %v", err)
		}
		fresh, err := s.CreateInvite(ctx, bob.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := redeem(fresh, 1001); !errors.Is(err, models.ErrInviteAccountInUse) {
			t.Fatalf("account of another person: got %v", err)
		}
		var bobNow models.Person
		s.DB.Take(&bobNow, bob.ID)
		if bobNow.TelegramID != nil {
			t.Fatal("refused invite still bound the account")
		}
	})
}

func TestInboxStoresOnceAndFinishesOnce(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		batch := []models.InboxUpdate{{UpdateID: 10, ChatID: 1, Payload: `{"update_id":10}`}, {UpdateID: 13, ChatID: 2, Payload: `{"update_id":13}`}}
		if err := s.SaveUpdates(ctx, batch); err != nil {
			t.Fatal(err)
		}
		redelivered := []models.InboxUpdate{{UpdateID: 13, ChatID: 2, Payload: `{"changed":true}`}, {UpdateID: 15, ChatID: 1, Payload: `{"update_id":15}`}}
		if err := s.SaveUpdates(ctx, redelivered); err != nil {
			t.Fatal(err)
		}
		last, err := s.LastUpdateID(ctx)
		if err != nil || last != 15 {
			t.Fatalf("last update id = %d, %v", last, err)
		}
		pending, err := s.PendingUpdates(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 3 || pending[1].Payload != `{"update_id":13}` {
			t.Fatalf("pending = %+v", pending)
		}
		for i, want := range []bool{true, false} {
			var ok bool
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				ok, err = models.FinishUpdate(tx, pending[0].ID)
				return err
			})
			if err != nil || ok != want {
				t.Fatalf("finish #%d = %v, %v; want %v", i, ok, err, want)
			}
		}
		retry := models.InboxRetry{Attempts: 2, First: time.Minute, Max: time.Minute}
		for i, want := range []models.InboxState{models.InboxPending, models.InboxFailed} {
			var u models.InboxUpdate
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				u, err = models.FailUpdate(tx, pending[1].ID, errors.New("boom"), retry)
				return err
			})
			if err != nil || u.State != want || u.Attempts != i+1 || u.LastError != "boom" {
				t.Fatalf("fail #%d = %+v, %v; want %v", i, u, err, want)
			}
			if again, _ := s.PendingUpdates(ctx, 10); len(again) != 1 || again[0].UpdateID != 15 {
				t.Fatalf("after failure #%d pending = %+v", i, again)
			}
			clock.Advance(time.Minute)
		}
		if _, err := s.PendingUpdates(ctx, 10); err != nil {
			t.Fatal(err)
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.FailUpdate(tx, pending[1].ID, errors.New("late"), retry)
			return err
		})
		if !errors.Is(err, models.ErrUpdateNotPending) {
			t.Fatalf("failing a parked update: %v", err)
		}
	})
}

// A chat's updates are handled in order: while one waits for its retry
// the later ones of its chat wait too, and no other chat does.
func TestInboxRetryHoldsOnlyItsChat(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 1, ChatID: 7, Payload: "{}"}, {UpdateID: 2, ChatID: 8, Payload: "{}"},
			{UpdateID: 3, ChatID: 7, Payload: "{}"}, {UpdateID: 4, Payload: "{}"}, {UpdateID: 5, Payload: "{}"}})
		if err != nil {
			t.Fatal(err)
		}
		ids := func() []int64 {
			t.Helper()
			pending, err := s.PendingUpdates(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, p := range pending {
				out = append(out, p.UpdateID)
			}
			return out
		}
		all := ids()
		pending, _ := s.PendingUpdates(ctx, 10)
		retry := models.InboxRetry{Attempts: 3, First: time.Minute, Max: time.Hour}
		for _, i := range []int{0, 3} { // update 1 (chat 7) and 4 (no chat)
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.FailUpdate(tx, pending[i].ID, errors.New("boom"), retry)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := ids(), []int64{2, 5}; !reflect.DeepEqual(got, want) {
			t.Fatalf("while update 1 waits: pending %v, want %v (all %v)", got, want, all)
		}
		clock.Advance(time.Minute)
		if got, want := ids(), []int64{1, 2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
			t.Fatalf("once due: pending %v, want %v", got, want)
		}
	})
}

// Failed updates are listed with their error and can be requeued, one by
// one or all, with their attempts counted afresh.
func TestRequeueFailedUpdates(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 1, ChatID: 7, Payload: "{}"}, {UpdateID: 2, ChatID: 8, Payload: "{}"},
			{UpdateID: 3, ChatID: 9, Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		pending, _ := s.PendingUpdates(ctx, 10)
		for _, p := range pending[:2] {
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.FailUpdate(tx, p.ID, fmt.Errorf("boom %d", p.UpdateID), models.InboxRetry{Attempts: 1, First: time.Second, Max: time.Second})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		failed, err := s.FailedUpdates(ctx)
		if err != nil || len(failed) != 2 || failed[1].LastError != "boom 2" || failed[1].ChatID != 8 || failed[1].Attempts != 1 {
			t.Fatalf("failed = %+v, %v", failed, err)
		}
		if _, err := s.RequeueUpdates(ctx, failed[0].ID, pending[2].ID); !errors.Is(err, models.ErrNotFailed) {
			t.Fatalf("requeue of a pending update: %v", err)
		}
		if n, err := s.RequeueUpdates(ctx, failed[0].ID); err != nil || n != 1 {
			t.Fatalf("requeue one: %d, %v", n, err)
		}
		if n, err := s.RequeueUpdates(ctx); err != nil || n != 1 {
			t.Fatalf("requeue all: %d, %v", n, err)
		}
		pending, _ = s.PendingUpdates(ctx, 10)
		if len(pending) != 3 || pending[0].Attempts != 0 || pending[0].LastError != "boom 1" {
			t.Fatalf("pending after requeue = %+v", pending)
		}
	})
}

func TestDefaultInboxRetrySpansAnHour(t *testing.T) {
	r := models.DefaultInboxRetry
	if span := r.RetrySpan(); span < time.Hour || span > 4*time.Hour {
		t.Fatalf("retries span %v at least, want an hour or a little more", span)
	}
	if d := r.Delay(1, 0); d > 10*time.Second {
		t.Fatalf("first retry after %v, want seconds", d)
	}
	for n := 2; n < r.Attempts; n++ {
		if r.Delay(n, 0) < r.Delay(n-1, 0) || r.Delay(n, 0.99) < r.Delay(n, 0)/2 || r.Delay(n, 0) > 15*time.Minute {
			t.Fatalf("delay %d: %v after %v", n, r.Delay(n, 0), r.Delay(n-1, 0))
		}
	}
}

func TestOutboxClaimsOnePerChatInOrder(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		enqueue := func(key string, chat int64) {
			t.Helper()
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.Enqueue(tx, key, chat, models.OutSendMessage, models.Outgoing{Text: key})
			}); err != nil {
				t.Fatal(err)
			}
		}
		enqueue("a1", 1)
		enqueue("a2", 1)
		enqueue("b1", 2)
		enqueue("a1", 1) // same key: no second row
		var n int64
		s.DB.Model(&models.OutboxMessage{}).Count(&n)
		if n != 3 {
			t.Fatalf("%d rows, want 3", n)
		}
		keys := func(ms []models.OutboxMessage) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.IdemKey)
			}
			return out
		}
		first, err := s.ClaimOutbox(ctx, "i1", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(first); !reflect.DeepEqual(got, []string{"a1", "b1"}) {
			t.Fatalf("first claim %v", got)
		}
		if again, _ := s.ClaimOutbox(ctx, "i1", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed while leased: %v", keys(again))
		}
		for _, m := range first {
			if err := s.MarkAttempting(ctx, m.ID, m.Claim); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MarkSent(ctx, first[0].ID, first[0].Claim, 77); err != nil {
			t.Fatal(err)
		}
		second, _ := s.ClaimOutbox(ctx, "i1", 10, time.Minute)
		if got := keys(second); !reflect.DeepEqual(got, []string{"a2"}) {
			t.Fatalf("second claim %v", got)
		}
		// b1's dispatcher is stuck in its call: after the lease its outcome
		// is unknown and it is due again.
		clock.Advance(2 * time.Minute)
		third, _ := s.ClaimOutbox(ctx, "i2", 10, time.Minute)
		if got := keys(third); !reflect.DeepEqual(got, []string{"a2", "b1"}) || third[1].Attempts != 1 || third[1].Claim == first[1].Claim {
			t.Fatalf("after lease: %+v", third)
		}
		if err := s.MarkSent(ctx, first[1].ID, first[1].Claim, 4); !errors.Is(err, models.ErrLostClaim) {
			t.Fatalf("the stuck dispatcher's late outcome: %v, want ErrLostClaim", err)
		}
		if err := s.RetryLater(ctx, third[0].ID, third[0].Claim, clock.Now().Add(time.Hour), errors.New("502")); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, third[1].ID, third[1].Claim, 5); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimOutbox(ctx, "i1", 10, time.Minute); len(got) != 0 {
			t.Fatalf("claimed before retry time: %v", keys(got))
		}
		sent, err := s.OutboxMessageByID(ctx, first[0].ID)
		if err != nil || sent.State != models.OutboxSent || sent.TelegramMessageID != 77 {
			t.Fatalf("sent row %+v %v", sent, err)
		}
	})
}

func TestOutboxUnreachableChat(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tg := int64(4242)
		p := &models.Person{Key: "陈静", Name: "陈静", TelegramID: &tg}
		if err := s.DB.Create(p).Error; err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"m1", "m2"} {
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.Enqueue(tx, key, tg, models.OutSendMessage, models.Outgoing{Text: key})
			}); err != nil {
				t.Fatal(err)
			}
		}
		claimed, _ := s.ClaimOutbox(ctx, "i1", 10, time.Minute)
		notified := 0
		notify := func(tx *gorm.DB, who *models.Person) error {
			notified++
			return models.Enqueue(tx, "admin-notice", 1, models.OutSendMessage, models.Outgoing{Text: who.Name})
		}
		if err := s.MarkChatUnreachable(ctx, claimed[0], errors.New("forbidden"), notify); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkChatUnreachable(ctx, claimed[0], errors.New("forbidden"), notify); !errors.Is(err, models.ErrLostClaim) {
			t.Fatalf("second 403 under a settled claim: %v, want ErrLostClaim", err)
		}
		// A later message's 403 for the same person notifies nobody again.
		if err := s.Tx(ctx, func(tx *gorm.DB) error {
			return models.Enqueue(tx, "m3", tg, models.OutSendMessage, models.Outgoing{Text: "m3"})
		}); err != nil {
			t.Fatal(err)
		}
		var again []models.OutboxMessage
		for _, m := range must(s.ClaimOutbox(ctx, "i1", 10, time.Minute)) {
			if m.ChatID == tg {
				again = append(again, m)
			}
		}
		if len(again) != 1 {
			t.Fatalf("claimed %d messages of the chat", len(again))
		}
		if err := s.MarkChatUnreachable(ctx, again[0], errors.New("forbidden"), notify); err != nil {
			t.Fatal(err)
		}
		if notified != 1 {
			t.Fatalf("notified %d times", notified)
		}
		var after models.Person
		s.DB.Take(&after, p.ID)
		if !after.Unreachable {
			t.Fatal("person not marked unreachable")
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[models.OutboxFailed] != 3 || counts[models.OutboxSending] != 1 {
			t.Fatalf("counts %v", counts)
		}
	})
}

func TestPruneInboxKeepsTheNewest(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 1, Payload: "{}"}, {UpdateID: 2, Payload: "{}"}, {UpdateID: 3, Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		pending, _ := s.PendingUpdates(ctx, 10)
		for _, i := range []int{0, 2} {
			if err := s.Tx(ctx, func(tx *gorm.DB) error { _, err := models.FinishUpdate(tx, pending[i].ID); return err }); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(8 * 24 * time.Hour)
		n, err := s.PruneInbox(ctx, clock.Now().Add(-7*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want only update 1", n, err)
		}
		last, _ := s.LastUpdateID(ctx)
		pending, _ = s.PendingUpdates(ctx, 10)
		if last != 3 || len(pending) != 1 {
			t.Fatalf("after pruning: last %d, pending %d", last, len(pending))
		}
	})
}

// Rows are stamped by the clock the store was opened with, in and out of
// transactions, and the domain reads the same one: a test that moves the
// clock moves every timestamp with it.
func TestOneClockStampsEveryRow(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		clock.Advance(-400 * 24 * time.Hour)
		want := clock.Now()
		p := models.Person{Key: "钟表", Name: "钟表"}
		if err := s.DB.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		var audit models.AuditEvent
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			if err := models.Audit(tx, &p.ID, nil, "clock", ""); err != nil {
				return err
			}
			return tx.Order("id DESC").Take(&audit).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		if !p.CreatedAt.Equal(want) || !audit.At.Equal(want) || !s.Now().Equal(want) {
			t.Fatalf("created %v, audited %v, store now %v; want all %v", p.CreatedAt, audit.At, s.Now(), want)
		}
	})
}

// Telegram picks a new random update id after a week without updates, so
// an id can come back. One stored more than 24 hours ago is a new update
// (Telegram redelivers for 24 hours only), and the next getUpdates starts
// after the newest update received, not after the highest id ever seen.
func TestRestartedUpdateIDIsANewUpdate(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		save := func(id int64, payload string) {
			t.Helper()
			if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: id, ChatID: 1, Payload: payload}}); err != nil {
				t.Fatal(err)
			}
		}
		save(500, `{"update_id":500,"old":true}`)
		save(900, `{"update_id":900,"old":true}`)
		clock.Advance(8 * 24 * time.Hour)
		save(500, `{"update_id":500,"new":true}`)
		last, err := s.LastUpdateID(ctx)
		if err != nil || last != 500 {
			t.Fatalf("offset after a restarted id: last = %d, %v; want 500", last, err)
		}
		clock.Advance(time.Hour)
		save(500, `{"update_id":500,"redelivered":true}`) // within 24 h: the same update
		pending, err := s.PendingUpdates(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var payloads []string
		for _, p := range pending {
			payloads = append(payloads, p.Payload)
		}
		want := []string{`{"update_id":500,"old":true}`, `{"update_id":900,"old":true}`, `{"update_id":500,"new":true}`}
		if !reflect.DeepEqual(payloads, want) {
			t.Fatalf("inbox in receipt order = %q, want %q", payloads, want)
		}
	})
}

// The row kept for the offset is the newest received, which after a
// restart of update ids is not the one with the highest id.
func TestPruneInboxKeepsTheNewestReceived(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		finishAll := func() {
			t.Helper()
			pending, err := s.PendingUpdates(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pending {
				if err := s.Tx(ctx, func(tx *gorm.DB) error { _, err := models.FinishUpdate(tx, p.ID); return err }); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 900, Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		finishAll()
		clock.Advance(8 * 24 * time.Hour)
		if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 20, Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		finishAll()
		clock.Advance(8 * 24 * time.Hour)
		if _, err := s.PruneInbox(ctx, clock.Now().Add(-7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if last, err := s.LastUpdateID(ctx); err != nil || last != 20 {
			t.Fatalf("after pruning: last = %d, %v; want 20", last, err)
		}
	})
}

// Upgrading to inbox retries keeps the stored updates, their order and the
// polling offset, and a redelivery of a stored update is still a no-op.
func TestInboxRetriesUpgradeKeepsTheInbox(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLitePath}, {"postgres", storetest.PostgresDSN}} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			ctx := context.Background()
			old, err := models.Open(ctx, dsn, models.Options{SkipMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := old.MigrateTo(ctx, "0005_admin_summaries"); err != nil {
				t.Fatal(err)
			}
			for _, id := range []int{30, 10, 20} {
				if err := old.DB.Exec("INSERT INTO inbox_updates (update_id, chat_id, payload, state, received_at) VALUES (?, 1, '{}', 'pending', CURRENT_TIMESTAMP)", id).Error; err != nil {
					t.Fatal(err)
				}
			}
			_ = old.Close()
			s, err := models.Open(ctx, dsn, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 20, Payload: "{}"}, {UpdateID: 40, Payload: "{}"}}); err != nil {
				t.Fatal(err)
			}
			pending, err := s.PendingUpdates(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, p := range pending {
				ids = append(ids, p.UpdateID)
			}
			if want := []int64{10, 20, 30, 40}; !reflect.DeepEqual(ids, want) {
				t.Fatalf("inbox after upgrade %v, want %v", ids, want)
			}
			if last, err := s.LastUpdateID(ctx); err != nil || last != 40 {
				t.Fatalf("last = %d, %v", last, err)
			}
		})
	}
}

// A PostgreSQL store keeps the connections its concurrent work opened: a
// burst of transactions at once, then another, reuses them rather than
// closing all but two and opening new ones (a server process each, every
// statement prepared again).
func TestPostgresKeepsItsConnections(t *testing.T) {
	s := storetest.Postgres(t, models.Options{})
	sqlDB, err := s.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	const together = 8
	burst := func() {
		var inside, release sync.WaitGroup
		inside.Add(together)
		release.Add(1)
		var wg sync.WaitGroup
		for range together {
			wg.Go(func() {
				err := s.Tx(context.Background(), func(tx *gorm.DB) error {
					if err := tx.Exec("SELECT 1").Error; err != nil {
						return err
					}
					inside.Done()
					release.Wait()
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		inside.Wait() // every transaction holds a connection of its own
		release.Done()
		wg.Wait()
	}
	burst()
	opened := sqlDB.Stats().OpenConnections
	burst()
	st := sqlDB.Stats()
	if opened < together || st.MaxIdleClosed != 0 || st.OpenConnections != opened || st.Idle != opened {
		t.Fatalf("after two bursts of %d: %+v, want the %d connections of the first kept", together, st, opened)
	}
}
