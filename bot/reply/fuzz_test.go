package reply

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var kinds = []ProblemKind{Empty, TooLong, NeedMilestone, NoOpenMilestone, AmbiguousNumber,
	UnknownMilestone, MilestoneDone, BadPercent, ConflictingState, DuplicateMilestone, NeedState}

// checkResult asserts what every caller relies on, whatever the input.
func checkResult(t *testing.T, in string, ctx Context) {
	t.Helper()
	res := Parse(in, ctx)
	if again := Parse(in, ctx); !reflect.DeepEqual(res, again) {
		t.Fatalf("Parse(%q) is not deterministic: %+v then %+v", in, res, again)
	}
	if len(res.Items) == 0 && res.Problem == nil {
		t.Fatalf("Parse(%q) returned neither items nor a problem", in)
	}
	// A correction may name any milestone: the caller refuses another
	// than its own.
	reportable := ctx.OpenMilestones
	if ctx.Correcting != 0 {
		reportable = ctx.AllMilestones
	}
	seen := map[int]bool{}
	for _, it := range res.Items {
		if !slices.Contains(reportable, it.Milestone) {
			t.Fatalf("Parse(%q): item for milestone %d, not reportable in %v", in, it.Milestone, reportable)
		}
		if seen[it.Milestone] {
			t.Fatalf("Parse(%q): milestone %d twice in items", in, it.Milestone)
		}
		seen[it.Milestone] = true
		if !it.State.Valid() {
			t.Fatalf("Parse(%q): item %+v has no valid state", in, it)
		}
		if it.Percent != nil && !it.State.Allows(*it.Percent) {
			t.Fatalf("Parse(%q): item state %q with percent %d", in, it.State, *it.Percent)
		}
		checkNote(t, in, it.Note)
	}
	if p := res.Problem; p != nil {
		if !slices.Contains(kinds, p.Kind) {
			t.Fatalf("Parse(%q): unknown problem kind %q", in, p.Kind)
		}
		if !strings.Contains(in, p.Text) {
			t.Fatalf("Parse(%q): problem text %q not in the input", in, p.Text)
		}
		for _, c := range p.Candidates {
			if !slices.Contains(reportable, c) {
				t.Fatalf("Parse(%q): candidate %d is not in %v", in, c, reportable)
			}
		}
		if p.Kind == TooLong || p.Kind == Empty {
			if len(res.Items) > 0 || p.Item != nil {
				t.Fatalf("Parse(%q): %s with items", in, p.Kind)
			}
		} else if p.Item == nil {
			t.Fatalf("Parse(%q): %s without its item", in, p.Kind)
		} else {
			checkNote(t, in, p.Item.Note)
			if pc := p.Item.Percent; pc != nil && (*pc < 0 || *pc > 100) {
				t.Fatalf("Parse(%q): problem item percent %d", in, *pc)
			}
		}
		if p.Kind == TooLong && utf8.RuneCountInString(in) <= MaxRunes {
			t.Fatalf("Parse(%q): TooLong for %d runes", in, utf8.RuneCountInString(in))
		}
	}
}

func checkNote(t *testing.T, in, note string) {
	t.Helper()
	if !strings.Contains(in, note) {
		t.Fatalf("note %q is not part of input %q", note, in)
	}
	for _, r := range note {
		if !strings.ContainsRune(in, r) {
			t.Fatalf("note rune %q not in input %q", r, in)
		}
	}
	if strings.TrimSpace(note) != note {
		t.Fatalf("note %q of %q is not trimmed", note, in)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		if len(c.in) < 200 {
			f.Add(c.in)
		}
	}
	ctxs := []Context{ctx3, ctx1, ctx0, ctx12, ctxFix4,
		{OpenMilestones: []int{3, 1, 3}, AllMilestones: []int{1, 2, 3}},
		{OpenMilestones: []int{80}, AllMilestones: []int{80, 81}}}
	f.Fuzz(func(t *testing.T, in string) {
		for _, ctx := range ctxs {
			checkResult(t, in, ctx)
		}
		p, note, prob := ParseDetail(in)
		if p != nil && (*p < 0 || *p > 100) {
			t.Fatalf("ParseDetail(%q): percent %d", in, *p)
		}
		if prob != nil && (p != nil || note != "") {
			t.Fatalf("ParseDetail(%q): a problem and a result", in)
		}
		checkNote(t, in, note)
		if v, ok := ParsePercent(in); ok && (v < 0 || v > 100) {
			t.Fatalf("ParsePercent(%q) = %d", in, v)
		}
		if s, ok := ParseState(in); ok != s.Valid() {
			t.Fatalf("ParseState(%q) = %q, %v", in, s, ok)
		}
	})
}
