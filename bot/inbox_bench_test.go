package bot_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
)

// BenchmarkInboxIngest measures updates stored and handled per second end
// to end (stored in batches as the poller does, then each handled in its
// own transaction with its answer in the outbox), next to bare two-insert
// SQLite transactions on the same file settings, for the ratio. end_to_end
// answers /help; status_replies records realistic reports, half of them
// /report commands and half replies to a reminder.
//
//	go test -run XXX -bench InboxIngest -benchtime 5000x ./bot/
func BenchmarkInboxIngest(b *testing.B) {
	b.Run("end_to_end", func(b *testing.B) {
		s := storetest.SQLite(b, models.Options{})
		catalog, err := bot.NewCatalog()
		if err != nil {
			b.Fatal(err)
		}
		admins := map[int64]bool{}
		for i := range 1000 {
			admins[int64(i+1)] = true
		}
		h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Admins: admins,
			BotUsername: "taskbot_demo_bot", Location: time.UTC, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		proc := &bot.Processor{Store: s, Handler: h, Catalog: catalog, Logger: h.Logger, PollInterval: time.Second}
		rows := make([]models.InboxUpdate, b.N)
		for i := range rows {
			from := int64(i%1000 + 1)
			raw, _ := json.Marshal(&tgmodels.Update{ID: int64(i + 1), Message: &tgmodels.Message{ID: i + 1, Date: 1,
				Chat: tgmodels.Chat{ID: from, Type: tgmodels.ChatTypePrivate}, From: &tgmodels.User{ID: from, FirstName: "A"}, Text: "/help"}})
			rows[i], _ = bot.InboxRow(raw)
		}
		ctx := context.Background()
		ingest(b, s, proc, rows)
		counts, _ := s.OutboxCounts(ctx)
		if counts[models.OutboxPending] != int64(b.N) {
			b.Fatalf("%d answers queued for %d updates", counts[models.OutboxPending], b.N)
		}
	})
	b.Run("status_replies", func(b *testing.B) {
		benchStatusReplies(b)
	})
	b.Run("bare_sqlite_two_inserts", func(b *testing.B) {
		s := storetest.SQLite(b, models.Options{})
		db := durable(b, s)
		for _, stmt := range []string{"CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)", "CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)"} {
			if _, err := db.Exec(stmt); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := range b.N {
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			v := fmt.Sprint(i)
			if _, err := tx.Exec("INSERT INTO a (v) VALUES (?)", v); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec("INSERT INTO c (v) VALUES (?)", v); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	})
}

// durable returns the store's one connection pool after checking that it
// commits as the product does (WAL, synchronous=FULL, one connection), so
// that the bare transactions the replies are compared with are no cheaper
// than the store's own.
func durable(b *testing.B, s *models.Store) *sql.DB {
	b.Helper()
	db, err := s.DB.DB()
	if err != nil {
		b.Fatal(err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2"} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			b.Fatal(err)
		}
		if got != want {
			b.Fatalf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if n := db.Stats().MaxOpenConnections; n != 1 {
		b.Fatalf("%d connections, want the one writer", n)
	}
	return db
}

func benchStatusReplies(b *testing.B) {
	s := storetest.SQLite(b, models.Options{})
	durable(b, s)
	ctx := context.Background()
	catalog, err := bot.NewCatalog()
	if err != nil {
		b.Fatal(err)
	}
	const tasks = 200
	var specs []models.TaskSpec
	for i := range tasks {
		specs = append(specs, models.TaskSpec{Code: fmt.Sprintf("T%03d", i), Title: "重点任务", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "领导"}}, Attendants: []models.PersonSpec{{Name: fmt.Sprintf("联络员%d", i)}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "一", Due: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
				{Seq: 2, Title: "二", Due: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)}, {Seq: 3, Title: "三", Due: time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)}}})
	}
	if _, err := s.ImportTasks(ctx, specs, false); err != nil {
		b.Fatal(err)
	}
	// Each attendant is bound and has been sent a reminder of their task.
	reminderMsg := map[int64]int{}
	for i := range tasks {
		chat := int64(1000 + i)
		p, err := models.PersonByKey(s.DB, fmt.Sprintf("联络员%d", i))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.DB.Model(p).Update("telegram_id", chat).Error; err != nil {
			b.Fatal(err)
		}
		d, err := models.TaskByCode(s.DB, fmt.Sprintf("T%03d", i))
		if err != nil {
			b.Fatal(err)
		}
		taskID := d.Task.ID
		key := fmt.Sprintf("rem%d", i)
		if err := models.EnqueueRef(s.DB, key, chat, models.OutSendMessage, models.Outgoing{Text: "提醒"},
			models.MessageRef{Purpose: models.PurposeReminder, TaskID: &taskID}); err != nil {
			b.Fatal(err)
		}
		var row models.OutboxMessage
		if err := s.DB.Where("idem_key = ?", key).Take(&row).Error; err != nil {
			b.Fatal(err)
		}
		// As if the dispatcher had sent it.
		if err := s.DB.Model(&row).Updates(map[string]any{"state": models.OutboxSent, "telegram_message_id": 500000 + i}).Error; err != nil {
			b.Fatal(err)
		}
		reminderMsg[chat] = 500000 + i
	}
	h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, BotUsername: "taskbot_demo_bot",
		Location: time.UTC, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	proc := &bot.Processor{Store: s, Handler: h, Catalog: catalog, Logger: h.Logger, PollInterval: time.Second}
	rows := make([]models.InboxUpdate, b.N)
	for i := range rows {
		t := i % tasks
		chat := int64(1000 + t)
		m := &tgmodels.Message{ID: 1000 + i, Date: 1, Chat: tgmodels.Chat{ID: chat, Type: tgmodels.ChatTypePrivate},
			From: &tgmodels.User{ID: chat, FirstName: "A"}}
		seq, pct := i/tasks%3+1, i%99
		if i%2 == 0 {
			m.Text = fmt.Sprintf("/report T%03d %d %d%% 推进中", t, seq, pct)
			m.Entities = []tgmodels.MessageEntity{{Type: tgmodels.MessageEntityTypeBotCommand, Offset: 0, Length: len("/report")}}
		} else {
			m.Text = fmt.Sprintf("%d %d%% 完成招商对接", seq, pct)
			m.ReplyToMessage = &tgmodels.Message{ID: reminderMsg[chat], Date: 1, Chat: m.Chat, From: &tgmodels.User{ID: 42, IsBot: true, FirstName: "bot"}}
		}
		raw, _ := json.Marshal(&tgmodels.Update{ID: int64(i + 1), Message: m})
		rows[i], _ = bot.InboxRow(raw)
	}
	ingest(b, s, proc, rows)
	var reports int64
	s.DB.Model(&models.Report{}).Count(&reports)
	if reports != int64(b.N) {
		b.Fatalf("%d reports recorded for %d replies", reports, b.N)
	}
}

// ingest times storing rows in batches, as the poller does, and handling
// them all. It reports the process's CPU time per update beside the rate:
// on a shared machine the rate moves with the load, the CPU much less.
func ingest(b *testing.B, s *models.Store, proc *bot.Processor, rows []models.InboxUpdate) {
	b.Helper()
	ctx := context.Background()
	b.ResetTimer()
	cpu := processCPU()
	for start := 0; start < len(rows); start += 100 {
		if err := s.SaveUpdates(ctx, rows[start:min(start+100, len(rows))]); err != nil {
			b.Fatal(err)
		}
	}
	n, err := proc.Drain(ctx, nil)
	if err != nil || n != len(rows) {
		b.Fatalf("handled %d of %d: %v", n, len(rows), err)
	}
	b.StopTimer()
	cpu = processCPU() - cpu
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "updates/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/update")
}
