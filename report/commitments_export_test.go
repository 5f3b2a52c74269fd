package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
)

// The export has a 责任书 sheet for verification: each version with its
// text and fingerprint (the text hashes to it), a row per signature or
// objection with the account, update and method, superseded versions
// marked.
func TestExportListsCommitments(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		specs := []models.TaskSpec{{Code: "T01", Title: "招商引资", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "对接", Due: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)}}}}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		wang, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		admin := models.Actor{Admin: true, Via: models.ViaCLI}
		me := models.Actor{PersonID: &wang.ID, TelegramID: 7001, Via: models.ViaChat}
		year := models.CommitmentYear(clock.Now())
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			v1, _, err := models.IssueCommitment(tx, admin, wang.ID, year, models.DefaultCommitmentTemplate(), clock.Now())
			if err != nil {
				return err
			}
			if _, err := models.ObjectCommitment(tx, me, v1.ID, "=HYPERLINK(\"x\") 时限太紧", 41, clock.Now()); err != nil {
				return err
			}
			tmpl := models.DefaultCommitmentTemplate()
			w := tmpl["zh"]
			w.Clauses = append(w.Clauses, "时限按异议调整。")
			tmpl["zh"] = w
			v2, err := models.SupersedeCommitment(tx, admin, v1.ID, tmpl, clock.Now())
			if err != nil {
				return err
			}
			_, err = models.SignCommitment(tx, me, models.Signing{VersionID: v2.ID, Fingerprint: v2.Fingerprint, Method: models.ViaChat, UpdateID: 42}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		l, err := report.BuildLedger(s.DB, models.Today(clock.Now(), time.UTC), models.DefaultLightRules, time.UTC, "zh")
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Commitments) != 3 {
			t.Fatalf("commitments sheet %q", l.Commitments)
		}
		for i, want := range []map[int]string{
			{0: "2026", 1: "王建国", 2: "1", 3: "已被取代", 6: "命令行", 7: "异议", 9: "聊天", 10: "7001", 11: "41", 12: "=HYPERLINK(\"x\") 时限太紧"},
			{2: "2", 3: "现行", 7: "签订", 8: "2026-11-27 01:00", 10: "7001", 11: "42", 12: ""},
		} {
			row := l.Commitments[i+1]
			for col, w := range want {
				if row[col] != w {
					t.Errorf("row %d %s: %q, want %q", i+1, l.Commitments[0][col], row[col], w)
				}
			}
			if models.Fingerprint(row[13]) != row[4] {
				t.Errorf("row %d: the text does not hash to its fingerprint %s", i+1, row[4])
			}
		}
		var buf bytes.Buffer
		if err := l.WriteXLSX(&buf, "zh"); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if formula, err := f.GetCellFormula("责任书", "M2"); err != nil || formula != "" {
			t.Fatalf("objection cell is a formula %q %v", formula, err)
		}
		if text, _ := f.GetCellValue("责任书", "N3"); models.Fingerprint(text) != l.Commitments[2][4] {
			t.Fatal("the text read back from the file does not hash to its fingerprint")
		}
	})
}
