package reply

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// State is a milestone state; the values are those stored by the models.
type State string

const (
	Pending State = "pending"
	OnTrack State = "on_track"
	AtRisk  State = "at_risk"
	Blocked State = "blocked"
	Done    State = "done"
)

// Valid reports whether s is one of the five states.
func (s State) Valid() bool {
	switch s {
	case Pending, OnTrack, AtRisk, Blocked, Done:
		return true
	}
	return false
}

// Allows reports whether a report may pair s with percent p. It is exported
// so that button flows, where state and percent arrive separately, apply the
// same rules as Parse.
func (s State) Allows(p int) bool {
	if p < 0 || p > 100 {
		return false
	}
	switch s {
	case Done:
		return p == 100
	case Pending:
		return p == 0
	case OnTrack, AtRisk, Blocked:
		return p < 100
	}
	return false
}

// MaxRunes is the longest reply accepted, Telegram's own message limit.
const MaxRunes = 4096

// Context is what the bot knows about the task being reported on.
type Context struct {
	OpenMilestones []int // sequence numbers of the milestones not done
	AllMilestones  []int
	// Correcting, when not 0, is the milestone of the report being
	// corrected: a reply naming no milestone is about it, and one naming
	// another milestone is read as written, for the caller to refuse.
	Correcting int
}

// Item is one milestone report.
type Item struct {
	Milestone int
	State     State // "" when not known yet (Problem.Item of NeedState)
	Percent   *int  // nil when not given
	Note      string
}

// ProblemKind says why a reply cannot be used as is. The values are stable
// and may serve as message keys.
type ProblemKind string

const (
	Empty              ProblemKind = "empty"
	TooLong            ProblemKind = "too_long"
	NeedMilestone      ProblemKind = "need_milestone"
	NoOpenMilestone    ProblemKind = "no_open_milestone"
	AmbiguousNumber    ProblemKind = "ambiguous_number"
	UnknownMilestone   ProblemKind = "unknown_milestone"
	MilestoneDone      ProblemKind = "milestone_done"
	BadPercent         ProblemKind = "bad_percent"
	ConflictingState   ProblemKind = "conflicting_state"
	DuplicateMilestone ProblemKind = "duplicate_milestone"
	NeedState          ProblemKind = "need_state"
)

// Problem is the question the bot has to ask before it can save a reply.
type Problem struct {
	Kind ProblemKind
	// Milestone is the milestone the problem is about: the one named for
	// UnknownMilestone, MilestoneDone and DuplicateMilestone, the item's
	// own otherwise; 0 when none is known (or the number is absurdly big).
	Milestone int
	// Candidates are the open milestones to offer as buttons: all open ones
	// for NeedMilestone and a leading AmbiguousNumber, the item's milestone
	// for an AmbiguousNumber after a ref.
	Candidates []int
	// Number is the number read for AmbiguousNumber and BadPercent.
	Number int
	// Text is the offending token exactly as written.
	Text string
	// Item is the item as far as it was understood, nil for Empty and
	// TooLong; completing it answers the question.
	Item *Item
	// Others counts further items that also need a question.
	Others int
}

// Result is what Parse made of a reply: Items are the confident reports
// and Problem, when not nil, the first item that needs a question. Items
// and Problem are never both empty.
type Result struct {
	Items   []Item
	Problem *Problem
}

// tok is a head token of an item, kept in reading order so that a conflict
// can point at the token that caused it.
type tok struct {
	start, end int
	ambig      bool // a bare number after the ref
	isPct      bool
	pct        pct
	state      State
}

type rawItem struct {
	ref     *ref
	toks    []tok
	note    [2]int // rune range of the note
	hasNote bool
}

// Parse reads a reply; see the package documentation for the grammar.
func Parse(s string, ctx Context) Result {
	if utf8.RuneCountInString(s) > MaxRunes {
		return Result{Problem: &Problem{Kind: TooLong}}
	}
	t := newText(s)
	if t.blankOnly() {
		return Result{Problem: &Problem{Kind: Empty}}
	}
	return resolve(t, t.items(), ctx)
}

func (t *text) items() []rawItem {
	var out []rawItem
	for p := t.skipConn(0); p < len(t.rs); p = t.skipConn(p) {
		var it rawItem
		if _, ok := t.anyPctAt(p); !ok {
			if r, ok := t.refAt(p); ok {
				it.ref = &r
				p = r.end
			}
		}
		p = t.head(&it, p)
		out = append(out, it)
	}
	return out
}

// head reads the head and note of it from p and returns where the next item
// starts.
func (t *text) head(it *rawItem, p int) int {
	for {
		q := t.skipConn(p)
		if q >= len(t.rs) {
			return q
		}
		if pc, ok := t.anyPctAt(q); ok {
			it.toks = append(it.toks, tok{start: pc.start, end: pc.end, isPct: true, pct: pc})
			p = pc.end
			continue
		}
		if w, ok := t.stateAt(q); ok {
			if w.state == Done && it.afterPctBelow100() {
				p = q
				break // "80% 完成…": the percent wins, the rest is the note
			}
			it.toks = append(it.toks, tok{start: w.start, end: w.end, state: w.state})
			p = w.end
			continue
		}
		if r, ok := t.refAt(q); ok {
			if r.kind == refBare && it.ref != nil && len(it.toks) == 0 {
				it.toks = append(it.toks, tok{start: r.start, end: r.end, ambig: true, pct: pct{val: r.val}})
				p = r.end
				continue
			}
			return q
		}
		p = q
		break
	}
	end := t.noteEnd(p)
	it.note, it.hasNote = [2]int{p, end}, true
	return end
}

func (it *rawItem) afterPctBelow100() bool {
	if len(it.toks) == 0 {
		return false
	}
	last := it.toks[len(it.toks)-1]
	return last.isPct && !last.pct.bad && last.pct.val < 100
}

type eval struct {
	item Item
	m    int // the resolved open milestone, 0 if none
	prob *Problem
}

func resolve(t *text, raws []rawItem, ctx Context) Result {
	open := slices.Clone(ctx.OpenMilestones)
	slices.Sort(open)
	open = slices.Compact(open)

	evs := make([]eval, len(raws))
	for i := range raws {
		evs[i] = evaluate(t, &raws[i], ctx, open, len(raws) > 1)
	}

	// A milestone reported twice cannot be saved from either report: which
	// one was meant is exactly the kind of guess this package refuses.
	first := map[int]int{}
	dup := map[int]bool{}
	for i := range evs {
		m := evs[i].m
		if m == 0 {
			continue
		}
		if _, seen := first[m]; !seen {
			first[m] = i
			continue
		}
		dup[m] = true
		it := evs[i].item
		evs[i].prob = &Problem{Kind: DuplicateMilestone, Milestone: m, Item: &it}
	}

	var res Result
	for _, e := range evs {
		switch {
		case e.prob != nil && res.Problem == nil:
			res.Problem = e.prob
		case e.prob != nil:
			res.Problem.Others++
		case !dup[e.m]:
			res.Items = append(res.Items, e.item)
		}
	}
	return res
}

func evaluate(t *text, r *rawItem, ctx Context, open []int, multi bool) eval {
	var it Item
	if r.hasNote {
		it.Note = t.trimNote(r.note[0], r.note[1])
	}
	var prob *Problem
	report := func(p *Problem) {
		if prob == nil {
			prob = p
		}
	}

	var state, pctState State
	var stateTok, pctTok, ambig *tok
	for i := range r.toks {
		k := &r.toks[i]
		switch {
		case k.ambig:
			ambig = k
		case k.isPct && k.pct.bad:
			report(&Problem{Kind: BadPercent, Number: capped(k.pct.val), Text: t.orig(k.start, k.end)})
		case k.isPct:
			if pctTok != nil && pctTok.pct.val != k.pct.val {
				report(&Problem{Kind: ConflictingState, Text: t.orig(k.start, k.end)})
			}
			if pctTok == nil {
				pctTok = k
			}
		default:
			if state != "" && state != k.state {
				report(&Problem{Kind: ConflictingState, Text: t.orig(k.start, k.end)})
			}
			if state == "" {
				state, stateTok = k.state, k
			}
		}
	}
	if pctTok != nil {
		v := pctTok.pct.val
		it.Percent = &v
		pctState = OnTrack
		if v == 100 {
			pctState = Done
		}
		if state != "" && !state.Allows(v) {
			later := pctTok
			if stateTok.start > later.start {
				later = stateTok
			}
			report(&Problem{Kind: ConflictingState, Text: t.orig(later.start, later.end)})
		}
	}
	switch {
	case prob != nil:
		// A contradiction leaves the state for the attendant to choose.
	case state != "":
		it.State = state
	default:
		it.State = pctState
	}

	m, mprob := milestone(t, r, ctx, open, multi, pctTok != nil || r.hasBadPct(), state == Done)
	it.Milestone = m
	report(mprob)
	if ambig != nil {
		var cands []int
		if m != 0 {
			cands = []int{m}
		}
		report(&Problem{Kind: AmbiguousNumber, Milestone: m, Candidates: cands,
			Number: capped(ambig.pct.val), Text: t.orig(ambig.start, ambig.end)})
	}
	if state == "" && pctTok == nil && !r.hasBadPct() {
		report(&Problem{Kind: NeedState, Milestone: m})
	}
	if prob != nil {
		if prob.Milestone == 0 && prob.Kind != UnknownMilestone {
			prob.Milestone = m
		}
		partial := it
		prob.Item = &partial
		return eval{item: it, m: m, prob: prob}
	}
	return eval{item: it, m: m}
}

func (r *rawItem) hasBadPct() bool {
	for _, k := range r.toks {
		if k.isPct && k.pct.bad {
			return true
		}
	}
	return false
}

// milestone resolves the item's milestone to an open one, or says why it
// cannot.
func milestone(t *text, r *rawItem, ctx Context, open []int, multi, hasPct, done bool) (int, *Problem) {
	if ctx.Correcting != 0 {
		open = []int{ctx.Correcting}
		if r.ref == nil && !multi {
			return ctx.Correcting, nil
		}
		if r.ref != nil && r.ref.val < huge && slices.Contains(ctx.AllMilestones, r.ref.val) {
			return r.ref.val, nil
		}
	}
	if r.ref == nil {
		switch {
		case len(open) == 0:
			return 0, &Problem{Kind: NoOpenMilestone}
		case len(open) == 1 && !multi:
			return open[0], nil
		}
		return 0, &Problem{Kind: NeedMilestone, Candidates: slices.Clone(open)}
	}
	v, text := r.ref.val, t.orig(r.ref.start, r.ref.end)
	switch {
	case v >= huge:
		// Saturated: the digits written are not the number compared.
	case slices.Contains(ctx.OpenMilestones, v):
		return v, nil
	case slices.Contains(ctx.AllMilestones, v):
		return 0, &Problem{Kind: MilestoneDone, Milestone: v, Text: text}
	case r.ref.kind == refBare && v <= 100 && !hasPct && !done:
		// "80" for a task with three milestones is far more likely 80% than
		// a typo, but likely is not enough.
		return 0, &Problem{Kind: AmbiguousNumber, Number: v, Candidates: slices.Clone(open), Text: text}
	}
	return 0, &Problem{Kind: UnknownMilestone, Milestone: capped(v), Text: text}
}

// capped hides numbers too big to have been read faithfully; Text still
// shows what was written.
func capped(v int) int {
	if v >= huge {
		return 0
	}
	return v
}

// ParseState reads a single state word or phrase, as in
// "/report T07 2 blocked" or a button's data.
func ParseState(s string) (State, bool) {
	t := newText(trimWord(s))
	if len(t.rs) == 0 {
		return "", false
	}
	w, ok := t.stateAt(0)
	if !ok || w.end != len(t.rs) {
		return "", false
	}
	return w.state, true
}

// ParsePercent reads a whole answer to "how far along?": 80%, ８０％, 80,
// 百分之八十, 完成80%. A bare number is accepted here because the question
// already asked for a percent.
func ParsePercent(s string) (int, bool) {
	t := newText(trimWord(s))
	if pc, ok := t.anyPctAt(0); ok {
		return pc.val, !pc.bad && pc.end == len(t.rs)
	}
	end, v := t.digits(0)
	return v, end > 0 && end == len(t.rs) && v <= 100
}

var skipWords = []string{"跳过", "略过", "略", "无", "没有", "skip", "/skip", "none", "no", "-", "--", "—", "n/a"}

// ParseDetail reads the answer to the follow-up question after a state was
// chosen with buttons: an optional percent, then a note. "跳过", "skip" or
// "-" mean neither. A bare number followed by text is AmbiguousNumber
// ("3 家企业已签约" may well be a note); a bare number alone is a percent.
func ParseDetail(s string) (percent *int, note string, problem *Problem) {
	if utf8.RuneCountInString(s) > MaxRunes {
		return nil, "", &Problem{Kind: TooLong}
	}
	if isSkip(s) {
		return nil, "", nil
	}
	t := newText(s)
	p := t.skipConn(0)
	if pc, ok := t.anyPctAt(p); ok {
		if pc.bad {
			return nil, "", &Problem{Kind: BadPercent, Number: capped(pc.val), Text: t.orig(pc.start, pc.end)}
		}
		v := pc.val
		percent, p = &v, pc.end
	} else if end, v := t.digits(p); end > p && t.tokenEnd(end) {
		if t.skipConn(end) < len(t.rs) {
			return nil, "", &Problem{Kind: AmbiguousNumber, Number: capped(v), Text: t.orig(p, end)}
		}
		if v > 100 {
			return nil, "", &Problem{Kind: BadPercent, Number: capped(v), Text: t.orig(p, end)}
		}
		percent, p = &v, end
	}
	note = t.trimNote(t.skipConn(p), len(t.rs))
	if isSkip(note) {
		note = ""
	}
	return percent, note, nil
}

func trimWord(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		r = fold(r)
		return isBlank(r) || unicode.IsPunct(r) && r != '%' && r != '-'
	})
}

func isSkip(s string) bool {
	w := strings.TrimFunc(s, func(r rune) bool { return isBlank(fold(r)) })
	w = strings.TrimRight(w, "。.!！")
	var b strings.Builder
	for _, r := range w {
		b.WriteRune(fold(r))
	}
	return slices.Contains(skipWords, b.String())
}
