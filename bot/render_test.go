package bot

import (
	"strings"
	"testing"

	"taskbot/models"
)

// ✅ in a message means done and only done: an acknowledgement of any other
// state is marked as recorded, not finished.
func TestAckMarksOnlyDoneAsDone(t *testing.T) {
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Catalog: c}
	task := models.Task{Code: "T01", Title: "招商引资"}
	m := models.Milestone{Seq: 1, Title: "完成招商对接"}
	tests := []struct {
		name  string
		state models.MilestoneState
		want  string
	}{
		{"done", models.StateDone, "✅ 已记录"},
		{"on track", models.StateOnTrack, "📝 已记录"},
		{"at risk", models.StateAtRisk, "📝 已记录"},
		{"blocked", models.StateBlocked, "📝 已记录"},
	}
	for _, lang := range []string{"zh", "en"} {
		for _, tc := range tests {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				got := r.Ack(lang, task, m, &models.Report{State: tc.state})
				if lang == "zh" && !strings.HasPrefix(got, tc.want) {
					t.Fatalf("acknowledgement starts %q, want %q", strings.SplitN(got, "\n", 2)[0], tc.want)
				}
				if done := strings.Contains(got, "✅"); done != (tc.state == models.StateDone) {
					t.Fatalf("✅ in the acknowledgement of a %s report: %q", tc.state, got)
				}
			})
		}
	}
}
