package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func (l *ledger) visit(by uint, admin bool, codes []string, steps func(tx *gorm.DB, v *models.Visit) error) (*models.Visit, []models.CoordinationRequest, error) {
	var saved *models.Visit
	var opened []models.CoordinationRequest
	err := l.tx(func(tx *gorm.DB) error {
		v, err := models.StartVisit(tx, by, admin, codes, l.clock.Now())
		if err != nil {
			return err
		}
		if _, err := models.SetVisitKind(tx, by, v.ID, models.VisitSupervise); err != nil {
			return err
		}
		if steps != nil {
			if err := steps(tx, v); err != nil {
				return err
			}
		}
		saved, opened, err = models.SaveVisit(tx, by, admin, v.ID, l.clock.Now())
		return err
	})
	return saved, opened, err
}

func TestVisitRecordsFindingsLocationAndCoordination(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		v, opened, err := l.visit(l.leader, false, []string{"t01"}, func(tx *gorm.DB, v *models.Visit) error {
			if _, err := models.SetVisitFindings(tx, l.leader, v.ID, "发现：用地手续滞后\n已解决：协调电力接入\n需协调：规划调整"); err != nil {
				return err
			}
			if _, err := models.SetVisitLocation(tx, l.leader, v.ID, models.VisitLocation{Lat: 31.2304, Lon: 121.4737, Live: 15 * time.Minute}); err != nil {
				return err
			}
			_, err := models.AddVisitFile(tx, l.leader, v.ID, models.Attachment{Kind: "photo", FileID: "AgAD1"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(opened) != 1 || opened[0].TaskID != l.d.Task.ID || opened[0].Text != "规划调整" || opened[0].RaisedByID != l.leader || opened[0].State != models.CoordinationOpen {
			t.Fatalf("opened %+v", opened)
		}
		got, err := models.VisitByID(s.DB, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != models.VisitSaved || got.LocationSource != models.LocationLive || got.LiveSeconds != 900 || *got.Lat != 31.2304 || len(got.Files) != 1 {
			t.Fatalf("saved visit %+v", got)
		}
		if f := got.Findings[2]; f.CoordinationID == nil || *f.CoordinationID != opened[0].ID {
			t.Fatalf("coordination finding %+v", f)
		}
		if tally := got.Tally(); tally != (models.VisitTally{Visits: 1, Found: 1, Solved: 1, Coordinate: 1}) {
			t.Fatalf("tally %+v", tally)
		}
		list, err := models.VisitsOfTask(s.DB, l.d.Task.ID)
		if err != nil || len(list) != 1 || list[0].ID != v.ID {
			t.Fatalf("visits of task: %v %v", list, err)
		}
		if n := l.count(&models.AuditEvent{}); n == 0 {
			t.Fatal("no audit")
		}

		// Without location, to no task (an investment trip): a point is
		// optional, and nothing needs coordination.
		clock.Advance(time.Hour)
		trip, opened, err := l.visit(l.leader, false, nil, func(tx *gorm.DB, v *models.Visit) error {
			_, err := models.SetVisitFindings(tx, l.leader, v.ID, "发现：企业用工缺口")
			return err
		})
		if err != nil || len(opened) != 0 || trip.Lat != nil || trip.LocationSource != models.LocationNone {
			t.Fatalf("trip %+v %v %v", trip, opened, err)
		}
		week, err := models.VisitWeek(s.DB, l.leader, clock.Now().Add(-24*time.Hour), clock.Now().Add(time.Second))
		if err != nil || week != (models.VisitTally{Visits: 2, Found: 2, Solved: 1, Coordinate: 1}) {
			t.Fatalf("week %+v %v", week, err)
		}
		if other, err := models.VisitWeek(s.DB, l.attendant, clock.Now().Add(-24*time.Hour), clock.Now()); err != nil || other.Visits != 0 {
			t.Fatalf("attendant's week %+v %v", other, err)
		}
	})
}

func TestVisitRefusals(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		// A third task led by someone else.
		other := models.Person{Key: "李强", Name: "李强"}
		task := models.Task{Code: "T09", Title: "老旧小区改造"}
		if err := s.DB.Create(&other).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Create(&task).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Create(&models.Assignment{PersonID: other.ID, TaskID: task.ID, Role: models.RoleLeader}).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			by    uint
			admin bool
			codes []string
			steps func(tx *gorm.DB, v *models.Visit) error
			want  error
		}{
			{name: "attendant", by: l.attendant, want: models.ErrNotVisitor},
			{name: "another leader's task", by: l.leader, codes: []string{"T09"}, want: &models.VisitTaskError{}},
			{name: "unknown task", by: l.leader, codes: []string{"T77"}, want: &models.VisitTaskError{}},
			{name: "forwarded location", by: l.leader, codes: []string{"T01"}, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitLocation(tx, l.leader, v.ID, models.VisitLocation{Lat: 1, Lon: 2, Forwarded: true})
				return err
			}, want: models.ErrForwardedLocation},
			{name: "location out of range", by: l.leader, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitLocation(tx, l.leader, v.ID, models.VisitLocation{Lat: 91, Lon: 2})
				return err
			}, want: models.ErrVisitLocation},
			{name: "coordination with no task", by: l.leader, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitFindings(tx, l.leader, v.ID, "需协调：规划调整")
				return err
			}, want: models.ErrVisitCoordinateTask},
			{name: "coordination on two tasks names none", by: l.leader, codes: []string{"T01", "T02"}, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitFindings(tx, l.leader, v.ID, "需协调：规划调整")
				return err
			}, want: models.ErrVisitCoordinateTask},
			{name: "finding names a task not visited", by: l.leader, codes: []string{"T01"}, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitFindings(tx, l.leader, v.ID, "需协调：T02 清淤")
				return err
			}, want: &models.VisitTaskError{}},
			{name: "bad findings", by: l.leader, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitFindings(tx, l.leader, v.ID, "路面破损")
				return err
			}, want: &models.FindingsError{}},
			{name: "someone else's draft", by: l.leader, steps: func(tx *gorm.DB, v *models.Visit) error {
				_, err := models.SetVisitKind(tx, other.ID, v.ID, models.VisitOther)
				return err
			}, want: models.ErrNoVisitDraft},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := l.count(&models.CoordinationRequest{})
				_, _, err := l.visit(c.by, c.admin, c.codes, c.steps)
				var te *models.VisitTaskError
				var fe *models.FindingsError
				switch c.want.(type) {
				case *models.VisitTaskError:
					if !errors.As(err, &te) {
						t.Fatalf("got %v, want a task refusal", err)
					}
				case *models.FindingsError:
					if !errors.As(err, &fe) {
						t.Fatalf("got %v, want a findings problem", err)
					}
				default:
					if !errors.Is(err, c.want) && !(errors.Is(c.want, models.ErrNoVisitDraft) && models.IsNotFound(err)) {
						t.Fatalf("got %v, want %v", err, c.want)
					}
				}
				var saved int64
				s.DB.Model(&models.Visit{}).Where("state = ?", models.VisitSaved).Count(&saved)
				if saved != 0 || l.count(&models.CoordinationRequest{}) != before {
					t.Fatalf("a refused visit changed the ledger: %d saved", saved)
				}
			})
		}

		// An admin may visit any task; a draft is one per person, and a
		// new one replaces it.
		err := l.tx(func(tx *gorm.DB) error {
			first, err := models.StartVisit(tx, other.ID, true, []string{"T01"}, clock.Now())
			if err != nil {
				return err
			}
			second, err := models.StartVisit(tx, other.ID, true, []string{"T02"}, clock.Now())
			if err != nil {
				return err
			}
			if d, err := models.VisitDraftOf(tx, other.ID); err != nil || d.ID != second.ID {
				t.Fatalf("draft %v %v, want the second", d, err)
			}
			if _, _, err := models.SaveVisit(tx, other.ID, true, first.ID, clock.Now()); !errors.Is(err, models.ErrNoVisitDraft) {
				t.Fatalf("saving the replaced draft: %v", err)
			}
			if _, _, err := models.SaveVisit(tx, other.ID, true, second.ID, clock.Now()); !errors.Is(err, models.ErrVisitNoKind) {
				t.Fatalf("saving with no kind: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A list's 经度/纬度 set a task's site; importing it again changes nothing,
// and a list without them leaves the site alone.
func TestImportKeepsTaskSite(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		list := sampleList()
		list[0].Site = &models.Site{Lat: 31.2304, Lon: 121.4737}
		if _, err := s.ImportTasks(ctx, list, false); err != nil {
			t.Fatal(err)
		}
		again, err := s.ImportTasks(ctx, list, false)
		if err != nil || again.Changed() {
			t.Fatalf("second import %+v %v", again, err)
		}
		if again, err = s.ImportTasks(ctx, sampleList(), false); err != nil || again.Changed() {
			t.Fatalf("import without sites %+v %v", again, err)
		}
		var task models.Task
		if err := s.DB.Where("code = ?", "T01").Take(&task).Error; err != nil || task.SiteLat == nil || *task.SiteLat != 31.2304 || *task.SiteLon != 121.4737 {
			t.Fatalf("T01 %+v %v", task, err)
		}
		list[0].Site = &models.Site{Lat: 31.3, Lon: 121.5}
		if moved, err := s.ImportTasks(ctx, list, false); err != nil || moved.TasksUpdated != 1 {
			t.Fatalf("moved site %+v %v", moved, err)
		}
	})
}

func TestDistanceMeters(t *testing.T) {
	for _, c := range []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64
	}{
		{"same point", 31.2304, 121.4737, 31.2304, 121.4737, 0},
		{"0.003° north", 31.2304, 121.4737, 31.2334, 121.4737, 333.6},
		{"a degree of longitude at the equator", 0, 0, 0, 1, 111195},
	} {
		if got := models.DistanceMeters(c.lat1, c.lon1, c.lat2, c.lon2); got < c.want-1 || got > c.want+1 {
			t.Errorf("%s: %.1f m, want %.1f", c.name, got, c.want)
		}
	}
}
