package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// redeemIn runs RedeemInvite in its own transaction and commits whatever
// it wrote, as the bot does when it answers a refusal.
func redeemIn(s *models.Store, token string, tg int64) (*models.Person, error) {
	var (
		p   *models.Person
		err error
	)
	txErr := s.Tx(context.Background(), func(tx *gorm.DB) error {
		p, err = models.RedeemInvite(tx, token, tg, s.Now())
		return nil
	})
	if txErr != nil {
		return nil, txErr
	}
	return p, err
}

func auditOf(t *testing.T, s *models.Store, kind string) []models.AuditEvent {
	t.Helper()
	var evs []models.AuditEvent
	if err := s.DB.Where("kind = ?", kind).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

// barrier lets n callers through together, once all n arrived.
type barrier struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func (b *barrier) wait(t *testing.T) {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(30 * time.Second): // a guard against a hung test, not a timing
		t.Error("the other redeem never reached its write")
	}
}

// Two accounts open the same link at the same moment: exactly one binds.
// On PostgreSQL both transactions read the invite before either writes.
func TestConcurrentRedeemBindsOnce(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ann := seedPerson(t, s, "王建国")
		token, err := s.CreateInvite(context.Background(), ann.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect == models.Postgres {
			// SQLite has one writer connection, so its transactions cannot
			// interleave; on PostgreSQL hold each one before its first write.
			b := &barrier{n: 2, release: make(chan struct{})}
			err := s.DB.Callback().Update().Before("gorm:update").Register("test:barrier", func(db *gorm.DB) {
				if db.Statement.Table == "invites" {
					b.wait(t)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		accounts := []int64{2001, 2002}
		errs := make([]error, len(accounts))
		var wg sync.WaitGroup
		for i, tg := range accounts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Tx(context.Background(), func(tx *gorm.DB) error {
					_, err := models.RedeemInvite(tx, token, tg, clock.Now())
					return err
				})
			}()
		}
		wg.Wait()
		var winner int64
		for i, err := range errs {
			switch {
			case err == nil && winner == 0:
				winner = accounts[i]
			case err == nil:
				t.Fatalf("both accounts bound with one invite")
			case !errors.Is(err, models.ErrInviteUsed):
				t.Fatalf("account %d: %v, want ErrInviteUsed", accounts[i], err)
			}
		}
		var back models.Person
		if err := s.DB.Take(&back, ann.ID).Error; err != nil {
			t.Fatal(err)
		}
		if winner == 0 || back.TelegramID == nil || *back.TelegramID != winner {
			t.Fatalf("winner %d, person bound to %v", winner, back.TelegramID)
		}
		if n := len(auditOf(t, s, "person_bound")); n != 1 {
			t.Fatalf("%d bind events, want 1", n)
		}
	})
}

// A binding belongs to its account: a person already bound gets a link
// only when a rebind is asked for, and no older link takes them over.
func TestBoundPersonIsNotTakenOver(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ann := seedPerson(t, s, "王建国")
		first, err := s.CreateInvite(ctx, ann.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := redeemIn(s, first, 1001); err != nil {
			t.Fatal(err)
		}
		bound := auditOf(t, s, "person_bound")
		if len(bound) != 1 || !strings.Contains(bound[0].Detail, "telegram user 1001") || !strings.Contains(bound[0].Detail, "before: unbound") ||
			bound[0].PersonID == nil || *bound[0].PersonID != ann.ID {
			t.Fatalf("bind audit %+v", bound)
		}
		clock.Advance(time.Minute)

		reissued, err := s.CreateInvite(ctx, ann.ID, 24*time.Hour)
		if !errors.Is(err, models.ErrInvitePersonBound) {
			t.Errorf("invite for a bound person: %v, want ErrInvitePersonBound", err)
			if err == nil {
				if _, err := redeemIn(s, reissued, 6666); err == nil {
					t.Fatal("a reissued link took the person over")
				}
			}
		}

		// A link made before the binding (two invites created at once)
		// must not take the person over either.
		stale := "stale-token-made-before-binding"
		sum := sha256.Sum256([]byte(stale))
		inv := models.Invite{PersonID: ann.ID, TokenHash: hex.EncodeToString(sum[:]), ExpiresAt: clock.Now().Add(time.Hour),
			CreatedAt: clock.Now().Add(-2 * time.Minute)}
		if err := s.DB.Create(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := redeemIn(s, stale, 6666); !errors.Is(err, models.ErrInvitePersonBound) {
			t.Fatalf("older link of a bound person: %v, want ErrInvitePersonBound", err)
		}
		var back models.Person
		s.DB.Take(&back, ann.ID)
		if back.TelegramID == nil || *back.TelegramID != 1001 {
			t.Fatalf("binding changed to %v", back.TelegramID)
		}

		// The admin asks for a rebind: the account that opens it takes over.
		rebind, err := s.CreateRebindInvite(ctx, ann.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := redeemIn(s, rebind, 1002)
		if err != nil {
			t.Fatal(err)
		}
		if *p.TelegramID != 1002 {
			t.Fatalf("rebound to %v", *p.TelegramID)
		}
		rebound := auditOf(t, s, "person_rebound")
		if len(rebound) != 1 || !strings.Contains(rebound[0].Detail, "telegram user 1002") || !strings.Contains(rebound[0].Detail, "before: telegram user 1001") {
			t.Fatalf("rebind audit %+v", rebound)
		}
	})
}

// Wrong tokens are counted per account: past the limit within an hour
// nothing is even looked up, not a valid token either.
func TestWrongInviteTokensAreThrottled(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ann := seedPerson(t, s, "王建国")
		token, err := s.CreateInvite(context.Background(), ann.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < models.MaxInviteFailures; i++ {
			if _, err := redeemIn(s, fmt.Sprintf("guess-%d", i), 3003); !errors.Is(err, models.ErrInviteUnknown) {
				t.Fatalf("guess %d: %v", i, err)
			}
			clock.Advance(time.Minute)
		}
		if _, err := redeemIn(s, "AAAA", 3004); !errors.Is(err, models.ErrInviteUnknown) {
			t.Fatalf("another account is not throttled: %v", err)
		}
		if _, err := redeemIn(s, token, 3003); !errors.Is(err, models.ErrInviteThrottled) {
			t.Fatalf("valid token past the limit: %v, want ErrInviteThrottled", err)
		}
		if n := len(auditOf(t, s, "invite_refused")); n != models.MaxInviteFailures+1 {
			t.Fatalf("%d refusals audited", n)
		}
		clock.Advance(time.Hour)
		if p, err := redeemIn(s, token, 3003); err != nil || *p.TelegramID != 3003 {
			t.Fatalf("an hour later: %v", err)
		}
	})
}

// Resending invitations issues a new link to everyone on an open task who
// is not bound, and to nobody else; each new link binds, the older ones no
// longer do.
func TestResendInvites(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		due := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
		specs := []models.TaskSpec{
			{Code: "T01", Title: "招商", Department: "区发改局", Leaders: []models.PersonSpec{{Name: "王建国"}},
				Owners: []models.PersonSpec{{Name: "赵敏"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}, {Name: "杨帆"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "对接", Due: due}}},
			{Code: "T02", Title: "治水", Department: "区水利局", Leaders: []models.PersonSpec{{Name: "李明"}},
				Attendants: []models.PersonSpec{{Name: "孙丽"}}, Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: due}}},
		}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		// 王建国 is bound; T02 is closed, so 李明 and 孙丽 are on no open task.
		if err := s.DB.Exec("UPDATE people SET telegram_id = 7001 WHERE key = '王建国'").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE tasks SET done = ? WHERE code = 'T02'", true).Error; err != nil {
			t.Fatal(err)
		}
		liu, err := models.PersonByKey(s.DB, "刘洋")
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.CreateInvite(ctx, liu.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		var sent []models.Reinvited
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			sent, err = models.ResendInvites(tx, 900, 48*time.Hour, s.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range sent {
			keys = append(keys, r.Person.Key)
		}
		if got := strings.Join(keys, ","); got != "刘洋,杨帆,赵敏" {
			t.Fatalf("invitations resent to %s", got)
		}
		if ev := auditOf(t, s, "invites_resent"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "3 by admin telegram user 900") {
			t.Fatalf("resend audit %+v", ev)
		}
		if _, err := redeemIn(s, old, 7002); !errors.Is(err, models.ErrInviteRevoked) {
			t.Fatalf("the older link: %v, want ErrInviteRevoked", err)
		}
		for i, r := range sent {
			p, err := redeemIn(s, r.Token, int64(7100+i))
			if err != nil || p.ID != r.Person.ID {
				t.Fatalf("%s's new link: %v", r.Person.Key, err)
			}
		}
		left, err := models.UnboundPeople(s.DB)
		if err != nil || len(left) != 0 {
			t.Fatalf("still unbound: %+v, %v", left, err)
		}
	})
}
