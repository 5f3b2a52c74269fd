package report_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
	"taskbot/web"
)

// seedScale fills a store with leaders×tasksPer tasks, each with
// milestones milestones and reportsPer reports per milestone, with bulk
// SQL: the benchmark measures reading, not loading.
func seedScale(b *testing.B, s *models.Store, leaders, tasksPer, milestones, reportsPer int) {
	b.Helper()
	db := s.DB
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	insert := func(table, cols string, n int, row func(i int) []any) {
		if err := storetest.BulkInsert(db, table, cols, n, row); err != nil {
			b.Fatal(err)
		}
	}
	tasks := leaders * tasksPer
	people := leaders + tasks*2
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		db = tx
		insert("people", "id,key,name,telegram_id,created_at,updated_at", people, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("p%d", i+1), fmt.Sprintf("p%d", i+1), 100000 + i, now, now}
		})
		insert("tasks", "id,code,title,department,created_at,updated_at", tasks, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("T%05d", i+1), "任务", fmt.Sprintf("单位%d", i%30), now, now}
		})
		insert("assignments", "person_id,task_id,role,created_at", tasks*3, func(i int) []any {
			t := i/3 + 1
			switch i % 3 {
			case 0:
				return []any{(t-1)/tasksPer + 1, t, "leader", now}
			case 1:
				return []any{leaders + 2*(t-1) + 1, t, "attendant", now}
			}
			return []any{leaders + 2*(t-1) + 2, t, "owner", now}
		})
		insert("milestones", "id,task_id,seq,title,due_date,state,percent,created_at,updated_at", tasks*milestones, func(i int) []any {
			t := i/milestones + 1
			return []any{i + 1, t, i%milestones + 1, "节点", now.AddDate(0, 0, (i%40)-20), "on_track", 50, now, now}
		})
		insert("reports", "task_id,milestone_id,person_id,state,percent,note,created_at", tasks*milestones*reportsPer, func(i int) []any {
			m := i/reportsPer + 1
			t := (m-1)/milestones + 1
			state := "on_track"
			if i%97 == 0 {
				state = "blocked"
			}
			return []any{t, m, leaders + 2*(t-1) + 1, state, i % 100, "进展", now.Add(-time.Duration(i%1000) * time.Minute)}
		})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAllSummaries builds every leader's summary the way the daily
// round and `taskbot summary --all` do — their marks read by the set, then
// report.BuildAll — on 1,000 leaders, 10,000 tasks, 100,000 milestones and
// 1,000,000 reports, and counts the queries, which must not grow with the
// leaders or the tasks.
func BenchmarkAllSummaries(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, models.Options{})
			leaders, tasksPer := 1000, 10
			seedScale(b, s, leaders, tasksPer, 10, 10)
			if s.Dialect == models.Postgres {
				s.DB.Exec("ANALYZE")
			}
			var queries atomic.Int64
			count := func(*gorm.DB) { queries.Add(1) }
			_ = s.DB.Callback().Query().Before("gorm:query").Register("count", count)
			_ = s.DB.Callback().Raw().Before("gorm:raw").Register("count", count)
			_ = s.DB.Callback().Row().Before("gorm:row").Register("count", count)
			today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
			readers := make([]uint, leaders)
			for i := range readers {
				readers[i] = uint(i + 1)
			}
			b.ResetTimer()
			for range b.N {
				queries.Store(0)
				previous, err := models.SummaryMarksOf(s.DB, readers)
				if err != nil {
					b.Fatal(err)
				}
				all, err := report.BuildAll(s.DB, readers, previous, report.Options{Today: today, Rules: models.DefaultLightRules})
				if err != nil {
					b.Fatal(err)
				}
				if len(all) != leaders || all[1].Counts[models.LightRed]+all[1].Counts[models.LightYellow]+all[1].Counts[models.LightGreen] != tasksPer {
					b.Fatalf("BuildAll: %d summaries, first %v", len(all), all[1].Counts)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/all-summaries")
			b.ReportMetric(float64(queries.Load()), "queries/all-summaries")
		})
	}
}

// BenchmarkBoard serves an admin's board of 10,000 tasks (100,000
// milestones, 200,000 reports) the way the admin waits for it: the page as
// the web handler reads, decides and renders it, lights, counts, filters
// and the first rows included.
func BenchmarkBoard(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, models.Options{})
			seedScale(b, s, 1000, 10, 10, 2)
			if s.Dialect == models.Postgres {
				s.DB.Exec("ANALYZE")
			}
			now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
			const token, admin = "123456:BENCH", 900
			srv := &web.Server{DB: s.DB, Token: token, Admins: map[int64]bool{admin: true}, Now: func() time.Time { return now }}
			h, err := srv.Handler()
			if err != nil {
				b.Fatal(err)
			}
			initData, err := web.SignInitData(token, web.WebAppUser{ID: admin, FirstName: "admin"}, now.Add(-time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodGet, "/app/board", nil)
				req.Header.Set(web.InitDataHeader, initData)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				body := rec.Body.String()
				if rec.Code != http.StatusOK || !strings.Contains(body, `<li class="row light-red" data-code="T`) {
					b.Fatalf("status %d, body %.500s", rec.Code, body)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/board")
		})
	}
}
