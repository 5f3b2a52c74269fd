package bot

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"taskbot/bot/extension"
	"taskbot/bot/reply"
	"taskbot/models"
	"taskbot/report"
)

// Both languages must have every text, including the ones whose keys are
// built at run time.
func TestCatalogsAreComplete(t *testing.T) {
	keys := map[string][]string{}
	for _, lang := range []string{LangZH, LangEN} {
		raw, err := localeFiles.ReadFile("locales/" + lang + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		keys[lang] = slices.Sorted(maps.Keys(m))
	}
	if !slices.Equal(keys[LangZH], keys[LangEN]) {
		t.Fatalf("zh and en differ:\nzh %v\nen %v", keys[LangZH], keys[LangEN])
	}
	have := map[string]bool{}
	for _, k := range keys[LangZH] {
		have[k] = true
	}
	var built []string
	for _, k := range []reply.ProblemKind{reply.Empty, reply.TooLong, reply.NeedMilestone, reply.NoOpenMilestone, reply.AmbiguousNumber,
		reply.UnknownMilestone, reply.MilestoneDone, reply.BadPercent, reply.ConflictingState, reply.DuplicateMilestone, reply.NeedState} {
		built = append(built, "problem_"+string(k))
	}
	for _, k := range []reply.ProblemKind{reply.NeedMilestone, reply.AmbiguousNumber, reply.NeedState} {
		built = append(built, "ask_"+string(k))
	}
	for _, s := range []models.MilestoneState{models.StatePending, models.StateOnTrack, models.StateAtRisk, models.StateBlocked, models.StateDone} {
		built = append(built, "state_"+string(s))
	}
	for _, r := range []models.Role{models.RoleLeader, models.RoleOwner, models.RoleAttendant} {
		built = append(built, "role_"+string(r))
	}
	for _, k := range extension.Kinds {
		built = append(built, "extend_problem_"+string(k))
	}
	for _, d := range []string{models.ExtensionApproved, models.ExtensionRefused} {
		built = append(built, "extend_already_"+d, "extend_"+d, "extend_"+d+"_short")
	}
	for _, c := range MenuCommands {
		built = append(built, "cmd_"+c)
	}
	for _, c := range GroupCommands {
		built = append(built, "gcmd_"+c)
	}
	for _, d := range []models.Delivery{models.DeliveryPrivate, models.DeliveryGroup, models.DeliveryBoth} {
		built = append(built, "delivery_"+string(d))
	}
	for _, m := range []models.AckMode{models.AckQuiet, models.AckReaction} {
		built = append(built, "ack_"+string(m))
	}
	for _, l := range lightOrder {
		built = append(built, "summary_count_"+string(l))
	}
	for _, k := range []report.ReasonKind{report.ReasonOverdue, report.ReasonBlocked, report.ReasonCoordination, report.ReasonBehind,
		report.ReasonDueSoon, report.ReasonSilent, report.ReasonUnattended} {
		built = append(built, "why_"+string(k))
	}
	for _, k := range built {
		if !have[k] {
			t.Errorf("no text %q", k)
		}
	}
}

// A text without data is rendered once per language and kept: what T gives
// the second time, in either order of languages, is what the catalog says
// for that language, and a missing text stays visible as its id.
func TestCatalogKeepsFixedTextsPerLanguage(t *testing.T) {
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"reminder_title", "reminder_how", "no_such_text"} {
		want := map[string]string{LangZH: c.render(LangZH, id, nil), LangEN: c.render(LangEN, id, nil)}
		if id != "no_such_text" && want[LangZH] == want[LangEN] {
			t.Fatalf("%s reads the same in both languages: %q", id, want[LangZH])
		}
		for _, lang := range []string{LangEN, LangZH, LangEN, LangZH} {
			if got := c.T(lang, id, nil); got != want[lang] {
				t.Errorf("T(%s, %s) = %q, want %q", lang, id, got, want[lang])
			}
		}
	}
	if got := c.T(LangEN, "urge_title_by", map[string]any{"Name": "A"}); !strings.Contains(got, "A") {
		t.Errorf("a text with data lost it: %q", got)
	}
}
