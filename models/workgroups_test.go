package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// groupDesk is sampleList with T02 contracted by 李明, and the binding
// operations, each in its own transaction.
type groupDesk struct {
	t                        *testing.T
	s                        *models.Store
	clock                    *storetest.Clock
	t01, t02                 uint
	wang, li, liu            uint
	admin, wangTG            models.Binder
	plain, forum, forumAdmin models.GroupChat
}

func newGroupDesk(t *testing.T, s *models.Store, clock *storetest.Clock) *groupDesk {
	t.Helper()
	list := sampleList()
	list[1].Leaders = []models.PersonSpec{{Name: "李明"}}
	if _, err := s.ImportTasks(context.Background(), list, false); err != nil {
		t.Fatal(err)
	}
	g := &groupDesk{t: t, s: s, clock: clock}
	for code, id := range map[string]*uint{"T01": &g.t01, "T02": &g.t02} {
		d, err := models.TaskByCode(s.DB, code)
		if err != nil {
			t.Fatal(err)
		}
		*id = d.Task.ID
	}
	for key, id := range map[string]*uint{"王建国": &g.wang, "李明": &g.li, "刘洋": &g.liu} {
		p, err := models.PersonByKey(s.DB, key)
		if err != nil {
			t.Fatal(err)
		}
		*id = p.ID
	}
	g.admin = models.Binder{TelegramID: 9001, Admin: true}
	g.wangTG = g.as(g.wang)
	g.plain = models.GroupChat{ChatID: -4001, Title: "招商专班", Bot: models.BotRights{Status: "member"}}
	g.forum = models.GroupChat{ChatID: -1004002, Title: "重点任务", Forum: true, Bot: models.BotRights{Status: "member"}}
	g.forumAdmin = g.forum
	g.forumAdmin.Bot = models.BotRights{Status: "administrator", ManageTopics: true, PinMessages: true}
	return g
}

func (g *groupDesk) as(person uint) models.Binder {
	return models.Binder{PersonID: &person, TelegramID: int64(100 + person)}
}

func (g *groupDesk) tx(fn func(tx *gorm.DB) error) error { return g.s.Tx(context.Background(), fn) }

func (g *groupDesk) bind(by models.Binder, chat models.GroupChat, tasks ...uint) (*models.BindResult, error) {
	var res *models.BindResult
	err := g.tx(func(tx *gorm.DB) error {
		var err error
		res, err = models.BindWorkGroup(tx, by, chat, tasks, g.clock.Now())
		return err
	})
	return res, err
}

func (g *groupDesk) unbind(by models.Binder, chatID int64, tasks ...uint) (*models.UnbindResult, error) {
	var res *models.UnbindResult
	err := g.tx(func(tx *gorm.DB) error {
		var err error
		res, err = models.UnbindWorkGroup(tx, by, chatID, tasks, g.clock.Now())
		return err
	})
	return res, err
}

func (g *groupDesk) count(model any, where string, args ...any) int64 {
	g.t.Helper()
	var n int64
	q := g.s.DB.Model(model)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		g.t.Fatal(err)
	}
	return n
}

func codes(tasks []models.Task) string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Code)
	}
	return strings.Join(out, " ")
}

// Who may bind, and what the bot must be allowed in the group: each refusal
// binds nothing and leaves no audit line.
func TestBindWorkGroupRules(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		left := g.plain
		left.Bot.Status = "kicked"
		forumNoTopics := g.forum
		forumNoTopics.Bot = models.BotRights{Status: "administrator", PinMessages: true}
		for _, c := range []struct {
			name    string
			by      models.Binder
			chat    models.GroupChat
			tasks   []uint
			wantErr error
			missing string
			bound   string
			topics  string
		}{
			{name: "attendant refused", by: g.as(g.liu), chat: g.plain, tasks: []uint{g.t01}, wantErr: models.ErrNotBinder},
			{name: "leader of one task only", by: g.as(g.li), chat: g.plain, tasks: []uint{g.t02, g.t01}, wantErr: models.ErrNotBinder},
			{name: "bot not in the group", by: g.admin, chat: left, tasks: []uint{g.t01}, wantErr: models.ErrMissingRights, missing: "member"},
			{name: "forum, bot a member", by: g.admin, chat: g.forum, tasks: []uint{g.t01}, wantErr: models.ErrMissingRights,
				missing: "administrator can_manage_topics"},
			{name: "forum, no topic right", by: g.wangTG, chat: forumNoTopics, tasks: []uint{g.t01}, wantErr: models.ErrMissingRights,
				missing: "can_manage_topics"},
			{name: "admin in a plain group", by: g.admin, chat: g.plain, tasks: []uint{g.t01, g.t02}, bound: "T01 T02"},
			{name: "leader in a forum gets a topic", by: g.wangTG, chat: g.forumAdmin, tasks: []uint{g.t01}, bound: "T01", topics: "T01"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if err := g.tx(func(tx *gorm.DB) error {
					for _, m := range []any{&models.WorkGroupTask{}, &models.WorkGroup{}, &models.AuditEvent{}} {
						if err := tx.Session(&gorm.Session{AllowGlobalUpdate: true}).Delete(m).Error; err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				res, err := g.bind(c.by, c.chat, c.tasks...)
				if c.wantErr != nil {
					if !errors.Is(err, c.wantErr) {
						t.Fatalf("bind: %v, want %v", err, c.wantErr)
					}
					var mr *models.MissingRightsError
					if c.missing != "" {
						if !errors.As(err, &mr) {
							t.Fatalf("no missing rights in %v", err)
						}
						var got []string
						for _, r := range mr.Missing {
							got = append(got, string(r))
						}
						if strings.Join(got, " ") != c.missing {
							t.Fatalf("missing %v, want %s", got, c.missing)
						}
					}
					if n := g.count(&models.WorkGroupTask{}, ""); n != 0 {
						t.Fatalf("refused binding stored %d bindings", n)
					}
					if n := g.count(&models.AuditEvent{}, "kind LIKE 'work_group%'"); n != 0 {
						t.Fatalf("refused binding audited %d times", n)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if codes(res.Bound) != c.bound || codes(res.CreateTopics) != c.topics || !res.NewGroup {
					t.Fatalf("bound %q topics %q new %v; want %q %q", codes(res.Bound), codes(res.CreateTopics), res.NewGroup, c.bound, c.topics)
				}
				if n := g.count(&models.AuditEvent{}, "kind = 'work_group_bind'"); n != int64(len(c.tasks)) {
					t.Fatalf("%d bind audit lines, want %d", n, len(c.tasks))
				}
				wg, err := models.WorkGroupByChat(s.DB, c.chat.ChatID)
				if err != nil {
					t.Fatal(err)
				}
				if wg.Title != c.chat.Title || wg.Forum != c.chat.Forum || wg.BotStatus != c.chat.Bot.Status ||
					wg.BotRights != c.chat.Bot.List() || wg.AckMode != models.AckQuiet {
					t.Fatalf("work group %+v", wg)
				}
			})
		}
	})
}

// A task lives in one group: binding it elsewhere moves it, and a group
// left with no task is no work group. Unbinding takes what the binder may
// unbind; the bot's removal takes everything.
func TestBindMovesAndUnbinds(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		if _, err := g.bind(g.wangTG, g.plain, g.t01); err != nil {
			t.Fatal(err)
		}
		res, err := g.bind(g.admin, g.forumAdmin, g.t01, g.t02)
		if err != nil {
			t.Fatal(err)
		}
		if res.MovedFrom[g.t01] != g.plain.ChatID || codes(res.Bound) != "T01 T02" {
			t.Fatalf("second binding %+v", res)
		}
		if _, err := models.WorkGroupByChat(s.DB, g.plain.ChatID); !models.IsNotFound(err) {
			t.Fatalf("emptied group still bound: %v", err)
		}
		again, err := g.bind(g.wangTG, g.forumAdmin, g.t01)
		if err != nil || codes(again.Already) != "T01" || len(again.Bound) != 0 || again.NewGroup {
			t.Fatalf("binding again: %+v %v", again, err)
		}

		if _, err := g.unbind(g.as(g.liu), g.forum.ChatID); !errors.Is(err, models.ErrNotBinder) {
			t.Fatalf("attendant unbound: %v", err)
		}
		if _, err := g.unbind(g.as(g.li), g.forum.ChatID, g.t01); !errors.Is(err, models.ErrNotBinder) {
			t.Fatalf("李明 unbound T01: %v", err)
		}
		un, err := g.unbind(g.as(g.li), g.forum.ChatID)
		if err != nil || codes(un.Tasks) != "T02" || un.Emptied {
			t.Fatalf("李明 unbinding all he may: %+v %v", un, err)
		}
		if _, err := g.unbind(g.admin, g.forum.ChatID, g.t02); !errors.Is(err, models.ErrNotBound) {
			t.Fatalf("unbinding a task not bound: %v", err)
		}
		gone, err := func() (*models.UnbindResult, error) {
			var res *models.UnbindResult
			err := g.tx(func(tx *gorm.DB) error {
				var err error
				res, err = models.WorkGroupGone(tx, g.forum.ChatID, "bot removed")
				return err
			})
			return res, err
		}()
		if err != nil || codes(gone.Tasks) != "T01" || !gone.Emptied {
			t.Fatalf("removal: %+v %v", gone, err)
		}
		if n := g.count(&models.WorkGroupTask{}, ""); n != 0 {
			t.Fatalf("%d bindings left", n)
		}
		if n := g.count(&models.AuditEvent{}, "kind = 'work_group_unbind' AND detail LIKE '%bot removed%'"); n != 1 {
			t.Fatalf("%d removal audit lines", n)
		}
		var none *models.UnbindResult
		err = g.tx(func(tx *gorm.DB) error {
			var err error
			none, err = models.WorkGroupGone(tx, g.forum.ChatID, "bot removed")
			return err
		})
		if err != nil || none != nil {
			t.Fatalf("removal from a chat that is no work group: %+v %v", none, err)
		}
	})
}

// Settings belong to those who may bind: the delivery of a bound task, and
// the group's acknowledgement mode.
func TestWorkGroupSettings(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		if _, err := g.bind(g.admin, g.plain, g.t01); err != nil {
			t.Fatal(err)
		}
		set := func(by models.Binder, task uint, d models.Delivery) error {
			return g.tx(func(tx *gorm.DB) error {
				_, err := models.SetDelivery(tx, by, task, d)
				return err
			})
		}
		for _, c := range []struct {
			name string
			by   models.Binder
			task uint
			d    models.Delivery
			want error
		}{
			{"attendant", g.as(g.liu), g.t01, models.DeliveryGroup, models.ErrNotBinder},
			{"unknown", g.wangTG, g.t01, "everywhere", models.ErrBadDelivery},
			{"not bound", g.as(g.li), g.t02, models.DeliveryGroup, models.ErrNotBound},
			{"leader", g.wangTG, g.t01, models.DeliveryGroup, nil},
		} {
			if err := set(c.by, c.task, c.d); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		deliveries, err := models.GroupDeliveries(s.DB, []uint{g.t01, g.t02})
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := deliveries[g.t01]; !ok || d.Binding.Delivery != models.DeliveryGroup || d.Group.ChatID != g.plain.ChatID || len(deliveries) != 1 {
			t.Fatalf("deliveries %+v", deliveries)
		}
		ack := func(by models.Binder, m models.AckMode) error {
			return g.tx(func(tx *gorm.DB) error {
				_, err := models.SetAckMode(tx, by, g.plain.ChatID, m)
				return err
			})
		}
		if err := ack(g.as(g.li), models.AckReaction); !errors.Is(err, models.ErrNotBinder) {
			t.Fatalf("李明 (not on T01) set the acknowledgement: %v", err)
		}
		if err := ack(g.wangTG, "loud"); !errors.Is(err, models.ErrBadAckMode) {
			t.Fatalf("unknown mode: %v", err)
		}
		if err := ack(g.wangTG, models.AckReaction); err != nil {
			t.Fatal(err)
		}
		if n := g.count(&models.AuditEvent{}, "kind IN ('work_group_delivery', 'work_group_ack')"); n != 2 {
			t.Fatalf("%d settings audited, want 2", n)
		}
	})
}

// A group that becomes a supergroup takes its binding, its topics and its
// queued messages along, in one transaction, once; a message refused for
// the old id goes back to the queue with the new one.
func TestMigrateChatMovesGroupAndQueue(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		ctx := context.Background()
		if _, err := g.bind(g.admin, g.plain, g.t01); err != nil {
			t.Fatal(err)
		}
		const super = int64(-1009990001)
		err := g.tx(func(tx *gorm.DB) error {
			for _, key := range []string{"a", "b", "c"} {
				if err := models.Enqueue(tx, key, g.plain.ChatID, models.OutSendMessage, models.Outgoing{Text: key}); err != nil {
					return err
				}
			}
			return models.Enqueue(tx, "private", 201, models.OutSendMessage, models.Outgoing{Text: "p"})
		})
		if err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimOutbox(ctx, "me", 10, time2m)
		if err != nil {
			t.Fatal(err)
		}
		var head models.OutboxMessage
		for _, m := range claimed {
			if m.ChatID == g.plain.ChatID {
				head = m
			}
		}
		if head.ID == 0 {
			t.Fatalf("group message not claimed: %+v", claimed)
		}
		// The send fails: the group is a supergroup now.
		if err := s.RequeueMigrated(ctx, head, super, errors.New("group chat was upgraded to a supergroup chat")); err != nil {
			t.Fatal(err)
		}
		if n := g.count(&models.OutboxMessage{}, "chat_id = ? AND state = ?", super, models.OutboxPending); n != 3 {
			t.Fatalf("%d messages queued to the supergroup, want 3", n)
		}
		if n := g.count(&models.OutboxMessage{}, "chat_id = ?", g.plain.ChatID); n != 0 {
			t.Fatalf("%d messages left for the old group", n)
		}
		if _, err := models.WorkGroupByChat(s.DB, super); err != nil {
			t.Fatalf("binding did not follow: %v", err)
		}
		next, err := s.ClaimOutbox(ctx, "me", 10, time2m)
		if err != nil {
			t.Fatal(err)
		}
		if len(next) != 1 || next[0].ID != head.ID || next[0].ChatID != super {
			t.Fatalf("after the migration the supergroup's queue starts with %+v, want message %d", next, head.ID)
		}
		// The update announcing the migration comes too: nothing more moves.
		var moved bool
		if err := g.tx(func(tx *gorm.DB) error {
			var err error
			moved, err = models.MigrateChat(tx, g.plain.ChatID, super)
			return err
		}); err != nil || moved {
			t.Fatalf("second migration moved %v: %v", moved, err)
		}
		if n := g.count(&models.AuditEvent{}, "kind = 'work_group_migrate'"); n != 1 {
			t.Fatalf("%d migration audit lines", n)
		}
	})
}

// Telegram announces a migration in both chats, and the two updates may be
// handled at the same time: whichever moves the work group, the other
// must neither take the moved group for a second binding under the new id
// nor drop it.
func TestBothAnnouncementsOfAMigrationKeepTheGroup(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		for i := range 25 {
			chat := g.plain
			chat.ChatID = int64(-5000 - i)
			super := int64(-1009990000 - i)
			if _, err := g.bind(g.admin, chat, g.t01); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, 2)
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs <- g.s.Tx(context.Background(), func(tx *gorm.DB) error {
						_, err := models.MigrateChat(tx, chat.ChatID, super)
						return err
					})
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				// PostgreSQL may abort one of two transactions on the same
				// rows; the update is then handled again, and moves nothing.
				if err != nil && !strings.Contains(err.Error(), "deadlock") {
					t.Fatalf("migration %d: %v", i, err)
				}
			}
			wg2, err := models.WorkGroupByChat(s.DB, super)
			if err != nil {
				t.Fatalf("migration %d: the work group is gone: %v", i, err)
			}
			if n := g.count(&models.WorkGroupTask{}, "work_group_id = ? AND task_id = ?", wg2.ID, g.t01); n != 1 {
				t.Fatalf("migration %d: T01 bound %d times to the supergroup", i, n)
			}
		}
	})
}

// A topic's thread id is read from the row that creates it once sent;
// until then messages name that row.
func TestTopicThreadFollowsItsCreation(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		g := newGroupDesk(t, s, newClock())
		ctx := context.Background()
		var rowID uint
		err := g.tx(func(tx *gorm.DB) error {
			var err error
			rowID, err = models.EnqueueRefID(tx, "topic", g.forum.ChatID, models.OutCreateTopic, models.Outgoing{TopicName: "T01 · 招商引资"}, models.MessageRef{})
			if err != nil {
				return err
			}
			return models.PlanTopic(tx, g.t01, g.forum.ChatID, "T01 · 招商引资", rowID)
		})
		if err != nil {
			t.Fatal(err)
		}
		topic, err := models.TopicOf(s.DB, g.t01, g.forum.ChatID)
		if err != nil {
			t.Fatal(err)
		}
		if thread, via, err := models.TopicThread(s.DB, topic); err != nil || thread != 0 || via != rowID {
			t.Fatalf("before creation: %d via %d (%v), want row %d", thread, via, err, rowID)
		}
		claimed, err := s.ClaimOutbox(ctx, "me", 1, time2m)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim %v %v", claimed, err)
		}
		if err := s.MarkSent(ctx, claimed[0].ID, claimed[0].Claim, 77); err != nil {
			t.Fatal(err)
		}
		if thread, via, err := models.TopicThread(s.DB, topic); err != nil || thread != 77 || via != 0 {
			t.Fatalf("after creation: %d via %d (%v)", thread, via, err)
		}
		found, err := models.TopicByThread(s.DB, g.forum.ChatID, 77)
		if err != nil || found.TaskID != g.t01 {
			t.Fatalf("topic by thread: %+v %v", found, err)
		}
	})
}

// Only the latest of a family of calls waits in the queue.
func TestEnqueueLatestKeepsOneWaiting(t *testing.T) {
	storetest.Each(t, models.Options{Clock: newClock().Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		enqueue := func(key, text string) {
			t.Helper()
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.EnqueueLatest(tx, "edit:1:", "edit:1:"+key, -100500, models.OutEditText, models.Outgoing{Text: text, EditMessageID: 9}, models.MessageRef{})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		enqueue("a", "first")
		enqueue("b", "second")
		var rows []models.OutboxMessage
		if err := s.DB.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || !strings.Contains(rows[0].Payload, "second") {
			t.Fatalf("rows %+v, want one with the second text", rows)
		}
		if _, err := s.ClaimOutbox(ctx, "me", 1, time2m); err != nil {
			t.Fatal(err)
		}
		enqueue("c", "third") // the waiting one is being sent: a new call
		if err := s.DB.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || !strings.Contains(rows[1].Payload, "third") {
			t.Fatalf("rows %+v", rows)
		}
	})
}

// time2m is a claim's lease in these tests.
const time2m = 2 * time.Minute
