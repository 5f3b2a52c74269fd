package web

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/report"
)

var today = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// lit is a board row and the rules that lit it.
type lit struct {
	row   report.BoardRow
	rules models.LightRules
}

// row is a board row of milestones due offset days from today in the
// given states, lit as the board lights it.
func row(facts models.LightFacts, rules models.LightRules, ms ...any) lit {
	d := models.TaskDetail{}
	for i := 0; i < len(ms); i += 2 {
		d.Milestones = append(d.Milestones, models.Milestone{Seq: i/2 + 1, DueDate: today.AddDate(0, 0, ms[i].(int)), State: ms[i+1].(models.MilestoneState)})
	}
	d.Light = models.StatusLight(d.Task, d.Milestones, facts, today, rules)
	return lit{report.BoardRow{Task: d, Facts: facts}, rules}
}

func TestReasons(t *testing.T) {
	rules := models.DefaultLightRules
	none := models.LightFacts{}
	wide := models.LightRules{WarnDays: 10, MissedSlots: 2}
	cases := []struct {
		name   string
		in     lit
		zh, en []string
	}{
		{"overdue", row(none, rules, -5, models.StateOnTrack, 40, models.StatePending), []string{"逾期 5 天"}, []string{"5 days overdue"}},
		{"overdue one day", row(none, rules, -1, models.StatePending), []string{"逾期 1 天"}, []string{"1 day overdue"}},
		{"the most overdue milestone counts", row(none, rules, -2, models.StatePending, -9, models.StateAtRisk), []string{"逾期 9 天"}, []string{"9 days overdue"}},
		{"a done milestone past its date is not overdue", row(models.LightFacts{OpenCoordination: 1}, rules, -9, models.StateDone, 30, models.StateOnTrack),
			[]string{"待协调"}, []string{"awaiting coordination"}},
		{"blocked", row(none, rules, 30, models.StateBlocked), []string{"受阻"}, []string{"blocked"}},
		{"every red cause, worst first", row(models.LightFacts{OpenCoordination: 2}, rules, -3, models.StateOnTrack, 20, models.StateBlocked),
			[]string{"逾期 3 天", "受阻", "待协调"}, []string{"3 days overdue", "blocked", "awaiting coordination"}},
		{"a red card gives no countdown", row(none, rules, -1, models.StateOnTrack, 2, models.StatePending), []string{"逾期 1 天"}, []string{"1 day overdue"}},
		{"due soon", row(none, rules, 2, models.StateOnTrack), []string{"剩 2 天"}, []string{"2 days left"}},
		{"the nearest due date", row(none, rules, 6, models.StateOnTrack, 3, models.StatePending, 1, models.StateDone), []string{"剩 3 天"}, []string{"3 days left"}},
		{"due tomorrow", row(none, rules, 1, models.StateOnTrack), []string{"剩 1 天"}, []string{"1 day left"}},
		{"due today", row(none, rules, 0, models.StateAtRisk), []string{"今天到期"}, []string{"due today"}},
		{"last day of the window", row(none, rules, 7, models.StateOnTrack), []string{"剩 7 天"}, []string{"7 days left"}},
		{"past the window", row(none, rules, 8, models.StateOnTrack), nil, nil},
		{"a wider window", row(none, wide, 8, models.StateOnTrack), []string{"剩 8 天"}, []string{"8 days left"}},
		{"silent", row(models.LightFacts{SilentSlots: 3}, rules, 30, models.StateOnTrack), []string{"连续 3 次未报告"}, []string{"3 reminders unanswered"}},
		{"silent and due soon", row(models.LightFacts{SilentSlots: 2}, rules, 4, models.StateOnTrack), []string{"剩 4 天", "连续 2 次未报告"}, []string{"4 days left", "2 reminders unanswered"}},
		{"one silent slot under the threshold", row(models.LightFacts{SilentSlots: 1}, rules, 30, models.StateOnTrack), nil, nil},
		{"done", row(models.LightFacts{OpenCoordination: 1}, rules, -5, models.StateDone), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reasons(tc.in.row, today, tc.in.rules)
			for lang, want := range map[string][]string{"zh": tc.zh, "en": tc.en} {
				var texts []string
				for _, r := range got {
					texts = append(texts, r.Text(lang))
				}
				if !slices.Equal(texts, want) {
					t.Errorf("%s light %s: %q, want %q", lang, tc.in.row.Task.Light, texts, want)
				}
			}
		})
	}
}

// Whatever a task holds, its card gives a reason exactly when its light is
// red or yellow, and only reasons of that light.
func TestReasonsAgreeWithTheLight(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	states := []models.MilestoneState{models.StatePending, models.StateOnTrack, models.StateAtRisk, models.StateBlocked, models.StateDone}
	for i := range 5000 {
		rules := models.LightRules{WarnDays: rng.IntN(10), MissedSlots: rng.IntN(4)}
		facts := models.LightFacts{OpenCoordination: rng.IntN(4) / 3, SilentSlots: rng.IntN(5)}
		var ms []any
		for range rng.IntN(4) {
			ms = append(ms, rng.IntN(30)-10, states[rng.IntN(len(states))])
		}
		in := row(facts, rules, ms...)
		got := reasons(in.row, today, rules)
		light := in.row.Task.Light
		desc := fmt.Sprintf("case %d: rules %+v, facts %+v, milestones %v: light %s, reasons %+v", i, rules, facts, ms, light, got)
		if want := light == models.LightRed || light == models.LightYellow; (len(got) > 0) != want {
			t.Fatal(desc)
		}
		for _, g := range got {
			if g.Light != light {
				t.Fatal(desc)
			}
		}
	}
}
