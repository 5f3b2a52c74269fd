package report_test

import (
	"fmt"
	"slices"
	"testing"

	"taskbot/models"
	"taskbot/report"
)

// The departments' ranking reads task outcomes alone, so it ranks from
// the first day, before any reminder has run: fewest overdue milestones
// per task first, then the largest share done, then by name.
func TestRankingBeforeAnyReminder(t *testing.T) {
	today := day("2026-06-15")
	task := func(dept string, states ...string) models.TaskDetail {
		d := models.TaskDetail{Task: models.Task{Department: dept}}
		for _, s := range states {
			m := models.Milestone{DueDate: day("2026-07-01"), State: models.StatePending}
			switch s {
			case "late":
				m.DueDate = day("2026-06-01")
			case "done":
				m.DueDate, m.State = day("2026-06-01"), models.StateDone
			}
			d.Milestones = append(d.Milestones, m)
		}
		return d
	}
	tasks := []models.TaskDetail{
		task("区商务局", "late", "late"),                       // 2 overdue on 1 task
		task("区发改局", "late", "open"), task("区发改局", "open"), // 1 overdue on 2 tasks
		task("区住建局", "done", "open"), // nothing overdue, half done
		task("区水利局", "open", "open"), // nothing overdue, nothing done
		task("区交通局", "late"),         // 1 overdue on 1 task
	}
	deps, err := report.RankDepartments(nil, tasks, today)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range deps {
		got = append(got, fmt.Sprintf("%s %d/%d %.1f", d.Name, d.Overdue, d.Tasks, d.OverduePerTask()))
	}
	want := []string{"区住建局 0/1 0.0", "区水利局 0/1 0.0", "区发改局 1/2 0.5", "区交通局 1/1 1.0", "区商务局 2/1 2.0"}
	if !slices.Equal(got, want) {
		t.Fatalf("ranking\n got %q\nwant %q", got, want)
	}
}
