package bot_test

import (
	"context"
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
// SQLite transactions on the same file settings, for the ratio.
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
		b.ResetTimer()
		for start := 0; start < len(rows); start += 100 {
			if err := s.SaveUpdates(ctx, rows[start:min(start+100, len(rows))]); err != nil {
				b.Fatal(err)
			}
		}
		n, err := proc.Drain(ctx, nil)
		if err != nil || n != b.N {
			b.Fatalf("handled %d of %d: %v", n, b.N, err)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		counts, _ := s.OutboxCounts(ctx)
		if counts[models.OutboxPending] != int64(b.N) {
			b.Fatalf("%d answers queued for %d updates", counts[models.OutboxPending], b.N)
		}
	})
	b.Run("bare_sqlite_two_inserts", func(b *testing.B) {
		s := storetest.SQLite(b, models.Options{})
		db, err := s.DB.DB()
		if err != nil {
			b.Fatal(err)
		}
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
