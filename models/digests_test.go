package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// The board lights every task from its milestones' digest as the database
// aggregates it; that light must be the one StatusLight gives from the
// milestones themselves, for random ledgers, days and rules, and the
// viewer and the filters must keep the tasks they keep elsewhere.
func TestTaskDigestsLightAsTheMilestones(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, 26))
		base := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		people := []string{"王建国", "赵敏", "刘洋", "杨帆", "李娜"}
		pick := func() []models.PersonSpec { return []models.PersonSpec{{Name: people[rng.IntN(len(people))]}} }
		var specs []models.TaskSpec
		for i := range 60 {
			spec := models.TaskSpec{Code: fmt.Sprintf("T%02d", i+1), Title: fmt.Sprintf("任务%d", i+1),
				Department: []string{"区发改局", "区商务局", ""}[rng.IntN(3)], Category: []string{"民生", "经济发展", ""}[rng.IntN(3)],
				Leaders: pick(), Attendants: pick()}
			for j := range rng.IntN(5) {
				due := base.AddDate(0, 0, rng.IntN(30)-15)
				if rng.IntN(5) == 0 {
					due = time.Time{}
				}
				spec.Milestones = append(spec.Milestones, models.MilestoneSpec{Seq: j + 1, Title: fmt.Sprintf("节点%d", j+1), Due: due})
			}
			specs = append(specs, spec)
		}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		states := []models.MilestoneState{models.StatePending, models.StateOnTrack, models.StateAtRisk, models.StateBlocked, models.StateDone}
		all, err := models.AllTasks(s.DB)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			for _, m := range d.Milestones {
				if err := s.DB.Model(&models.Milestone{}).Where("id = ?", m.ID).Update("state", states[rng.IntN(len(states))]).Error; err != nil {
					t.Fatal(err)
				}
			}
			if rng.IntN(8) == 0 {
				if err := s.DB.Model(&models.Task{}).Where("id = ?", d.Task.ID).Update("done", true).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		if all, err = models.AllTasks(s.DB); err != nil {
			t.Fatal(err)
		}
		digests, err := models.TaskDigests(s.DB, models.Viewer{Admin: true}, models.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[uint]models.TaskDigest{}
		for _, d := range digests {
			byID[d.Task.ID] = d
		}
		if len(byID) != len(all) {
			t.Fatalf("%d digests of %d tasks", len(byID), len(all))
		}
		for _, d := range all {
			got, ok := byID[d.Task.ID]
			switch {
			case !ok:
				t.Fatalf("%s: no digest", d.Task.Code)
			case got.Task.Code != d.Task.Code || got.Task.Title != d.Task.Title || got.Task.Department != d.Task.Department ||
				got.Task.Category != d.Task.Category || got.Task.Done != d.Task.Done:
				t.Fatalf("%s: task %+v, want %+v", d.Task.Code, got.Task, d.Task)
			}
			want := models.DigestOf(d.Milestones)
			if g := got.Milestones; g.Milestones != want.Milestones || g.Open != want.Open || g.Blocked != want.Blocked ||
				!g.FirstDue.Equal(want.FirstDue) {
				t.Fatalf("%s: digest %+v, want %+v (milestones %+v)", d.Task.Code, g, want, d.Milestones)
			}
			for range 20 {
				today := base.AddDate(0, 0, rng.IntN(40)-20)
				rules := models.LightRules{WarnDays: rng.IntN(10), MissedSlots: rng.IntN(4)}
				facts := models.LightFacts{OpenCoordination: rng.IntN(4) / 3, SilentSlots: rng.IntN(4)}
				if got, want := models.DigestLight(got.Task, got.Milestones, facts, today, rules),
					models.StatusLight(d.Task, d.Milestones, facts, today, rules); got != want {
					t.Fatalf("%s on %s, %+v, %+v: digest light %s, light %s", d.Task.Code, today.Format(time.DateOnly), rules, facts, got, want)
				}
			}
		}

		codes := func(v models.Viewer, f models.TaskFilter) []string {
			t.Helper()
			ds, err := models.TaskDigests(s.DB, v, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Task.Code)
			}
			slices.Sort(out)
			return out
		}
		leader := all[0].Leaders[0]
		for _, tc := range []struct {
			name   string
			viewer models.Viewer
			filter models.TaskFilter
			keep   func(d *models.TaskDetail) bool
		}{
			{"a person sees the tasks they hold a role on", models.Viewer{PersonID: leader.ID}, models.TaskFilter{},
				func(d *models.TaskDetail) bool { return d.HasPerson(leader.ID) }},
			{"nobody sees nothing", models.Viewer{}, models.TaskFilter{}, func(*models.TaskDetail) bool { return false }},
			{"by department", models.Viewer{Admin: true}, models.TaskFilter{Department: "区商务局"},
				func(d *models.TaskDetail) bool { return d.Task.Department == "区商务局" }},
			{"by category", models.Viewer{Admin: true}, models.TaskFilter{Category: "民生"},
				func(d *models.TaskDetail) bool { return d.Task.Category == "民生" }},
			{"by leader, for an attendant", models.Viewer{PersonID: all[0].Attendants[0].ID}, models.TaskFilter{Leader: leader.Key},
				func(d *models.TaskDetail) bool {
					return d.HasPerson(all[0].Attendants[0].ID) && slices.ContainsFunc(d.Leaders, func(p models.Person) bool { return p.Key == leader.Key })
				}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want []string
				for i := range all {
					if tc.keep(&all[i]) {
						want = append(want, all[i].Task.Code)
					}
				}
				if got := codes(tc.viewer, tc.filter); !slices.Equal(got, want) {
					t.Fatalf("tasks %v, want %v", got, want)
				}
			})
		}
	})
}

// The board's filters offer what the viewer's tasks hold, nothing more.
func TestTaskChoicesOfAViewer(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		spec := func(code, dept, cat, leader, attendant string) models.TaskSpec {
			return models.TaskSpec{Code: code, Title: code, Department: dept, Category: cat,
				Leaders: []models.PersonSpec{{Name: leader}}, Attendants: []models.PersonSpec{{Name: attendant}}}
		}
		_, err := s.ImportTasks(context.Background(), []models.TaskSpec{
			spec("T01", "区发改局", "经济发展", "王建国", "杨帆"), spec("T02", "区商务局", "", "王建国", "李娜"),
			spec("T03", "区住建局", "民生", "赵敏", "李娜")}, false)
		if err != nil {
			t.Fatal(err)
		}
		yang, err := models.PersonByKey(s.DB, "杨帆")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			viewer models.Viewer
			want   models.TaskChoices
		}{
			{"admin", models.Viewer{Admin: true}, models.TaskChoices{Departments: []string{"区住建局", "区发改局", "区商务局"},
				Leaders: []string{"王建国", "赵敏"}, Categories: []string{"民生", "经济发展"}}},
			{"attendant of one task", models.Viewer{PersonID: yang.ID}, models.TaskChoices{Departments: []string{"区发改局"},
				Leaders: []string{"王建国"}, Categories: []string{"经济发展"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := models.TaskChoicesOf(s.DB, tc.viewer)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.want
				for _, l := range [][]string{want.Departments, want.Leaders, want.Categories} {
					slices.Sort(l)
				}
				if !slices.Equal(got.Departments, want.Departments) || !slices.Equal(got.Leaders, want.Leaders) ||
					!slices.Equal(got.Categories, want.Categories) {
					t.Fatalf("choices %+v, want %+v", got, want)
				}
			})
		}
	})
}
