package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
)

// The export has a 走一线 sheet with one row per saved visit, findings as
// inert text; drafts are left out.
func TestExportListsVisits(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		specs := []models.TaskSpec{{Code: "T01", Title: "招商引资", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "对接", Due: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)}}}}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE tasks SET site_lat = 31.2334, site_lon = 121.4737").Error; err != nil {
			t.Fatal(err)
		}
		wang, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			v, err := models.StartVisit(tx, wang.ID, false, []string{"T01"}, clock.Now())
			if err != nil {
				return err
			}
			if _, err := models.SetVisitKind(tx, wang.ID, v.ID, models.VisitMeeting); err != nil {
				return err
			}
			if _, err := models.SetVisitFindings(tx, wang.ID, v.ID, "发现：=HYPERLINK(\"x\")\n需协调：规划调整"); err != nil {
				return err
			}
			if _, err := models.SetVisitLocation(tx, wang.ID, v.ID, models.VisitLocation{Lat: 31.2304, Lon: 121.4737}); err != nil {
				return err
			}
			if _, _, err := models.SaveVisit(tx, wang.ID, false, v.ID, clock.Now()); err != nil {
				return err
			}
			_, err = models.StartVisit(tx, wang.ID, false, nil, clock.Now()) // a draft, not exported
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		l, err := report.BuildLedger(s.DB, models.Today(clock.Now(), time.UTC), models.DefaultLightRules, time.UTC, "zh")
		if err != nil {
			t.Fatal(err)
		}
		if lon, lat := l.Rows[1][19], l.Rows[1][20]; lon != "121.4737" || lat != "31.2334" || l.Rows[0][19] != "经度" {
			t.Errorf("ledger site %q %q under %q", lon, lat, l.Rows[0][19])
		}
		if len(l.Visits) != 2 {
			t.Fatalf("visits sheet %q", l.Visits)
		}
		row := l.Visits[1]
		for i, want := range map[int]string{1: "王建国", 2: "现场办公会", 3: "T01", 4: "1", 5: "0", 6: "1", 8: "31.23040, 121.47370 定位点", 9: "0"} {
			if row[i] != want {
				t.Errorf("column %s: %q, want %q", l.Visits[0][i], row[i], want)
			}
		}
		if !strings.Contains(row[7], "需协调：规划调整") {
			t.Errorf("findings %q", row[7])
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
		if formula, err := f.GetCellFormula("走一线", "H2"); err != nil || formula != "" {
			t.Fatalf("findings cell is a formula %q %v", formula, err)
		}
		if got, _ := f.GetCellValue("走一线", "E2"); got != "1" {
			t.Fatalf("found count cell %q", got)
		}
	})
}
