package reply

import (
	"fmt"
	"strings"
	"testing"
)

var (
	// Milestone 4 is done; 1–3 are open.
	ctx3 = Context{OpenMilestones: []int{1, 2, 3}, AllMilestones: []int{1, 2, 3, 4}}
	// Only milestone 2 is left.
	ctx1 = Context{OpenMilestones: []int{2}, AllMilestones: []int{1, 2}}
	// Everything is done.
	ctx0 = Context{AllMilestones: []int{1, 2}}
	// Correcting the report on milestone 4, which is done.
	ctxFix4 = Context{OpenMilestones: []int{1, 2, 3}, AllMilestones: []int{1, 2, 3, 4}, Correcting: 4}
	// A long task, for Chinese numerals past ten.
	ctx12 = Context{OpenMilestones: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, AllMilestones: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
)

// item builds an expected item; pct < 0 means no percent.
func item(m int, s State, pct int, note string) Item {
	it := Item{Milestone: m, State: s, Note: note}
	if pct >= 0 {
		it.Percent = &pct
	}
	return it
}

func fmtItem(it Item) string {
	p := "nil"
	if it.Percent != nil {
		p = fmt.Sprint(*it.Percent)
	}
	return fmt.Sprintf("{%d %q %s %q}", it.Milestone, it.State, p, it.Note)
}

func fmtItems(its []Item) string {
	parts := make([]string, len(its))
	for i, it := range its {
		parts[i] = fmtItem(it)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtProblem(p *Problem) string {
	if p == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("{%s m=%d cands=%v n=%d text=%q others=%d", p.Kind, p.Milestone, p.Candidates, p.Number, p.Text, p.Others)
	if p.Item != nil {
		s += " item=" + fmtItem(*p.Item)
	}
	return s + "}"
}

type parseCase struct {
	name  string
	in    string
	ctx   *Context // ctx3 when nil
	items []Item
	prob  *Problem // Item is compared only when set here
}

var parseCases = []parseCase{
	// The examples of the specification.
	{name: "zh percent and note starting with 完成", in: "2 80% 完成招商对接",
		items: []Item{item(2, OnTrack, 80, "完成招商对接")}},
	{name: "en M2 done", in: "M2 done", items: []Item{item(2, Done, -1, "")}},
	{name: "zh m2 完成", in: "m2 完成", items: []Item{item(2, Done, -1, "")}},
	{name: "zh 节点2 已完成", in: "节点2 已完成", items: []Item{item(2, Done, -1, "")}},
	{name: "zh ordinal blocked with note", in: "第2个节点 受阻 等待用地审批",
		items: []Item{item(2, Blocked, -1, "等待用地审批")}},
	{name: "zh Chinese numeral ordinal at risk", in: "第二个节点 有风险", items: []Item{item(2, AtRisk, -1, "")}},
	{name: "zh 2号节点 正常", in: "2号节点 正常", items: []Item{item(2, OnTrack, -1, "")}},
	{name: "mixed 里程碑2 done", in: "里程碑2 done", items: []Item{item(2, Done, -1, "")}},
	{name: "report command arguments", in: "2 blocked 等待用地审批", items: []Item{item(2, Blocked, -1, "等待用地审批")}},

	// Refs.
	{name: "zh Chinese numeral after 节点", in: "节点二 卡住", items: []Item{item(2, Blocked, -1, "")}},
	{name: "zh Chinese numeral twelve", in: "第十二个节点 完成", ctx: &ctx12, items: []Item{item(12, Done, -1, "")}},
	{name: "zh Chinese numeral eleven with 号", in: "十一号节点 滞后", ctx: &ctx12, items: []Item{item(11, AtRisk, -1, "")}},
	{name: "zh ref glued to state", in: "节点2受阻，等待审批", items: []Item{item(2, Blocked, -1, "等待审批")}},
	{name: "zh bare number glued to state", in: "2完成", items: []Item{item(2, Done, -1, "")}},
	{name: "zh weak ordinal 第3项", in: "第3项 完成", items: []Item{item(3, Done, -1, "")}},
	{name: "zh 第2节点 without 个", in: "第2节点 正常推进中", items: []Item{item(2, OnTrack, -1, "")}},
	{name: "en milestone word", in: "milestone 3 completed", items: []Item{item(3, Done, -1, "")}},
	{name: "en hash ref", in: "#3 finished", items: []Item{item(3, Done, -1, "")}},
	{name: "en upper case", in: "M2 BLOCKED", items: []Item{item(2, Blocked, -1, "")}},
	{name: "ref with colon", in: "2：正常推进中", items: []Item{item(2, OnTrack, -1, "")}},
	{name: "ref with dot", in: "3. ok", items: []Item{item(3, OnTrack, -1, "")}},
	{name: "zero-width space is blank", in: "2\u200b完成", items: []Item{item(2, Done, -1, "")}},

	// Percents.
	{name: "100% alone means done", in: "2 100%", items: []Item{item(2, Done, 100, "")}},
	{name: "percent with space before sign", in: "2 80 %", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "full-width digits and percent", in: "２ ８０％", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "full-width letters and ideographic space", in: "Ｍ２　ＤＯＮＥ", items: []Item{item(2, Done, -1, "")}},
	{name: "百分之 Chinese numeral", in: "2 百分之八十", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "百分之 digits", in: "2 百分之80", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "百分之一百 is done", in: "2 百分之一百", items: []Item{item(2, Done, 100, "")}},
	{name: "zero percent is on track", in: "2 0%", items: []Item{item(2, OnTrack, 0, "")}},
	{name: "zh 完成80% is a percent", in: "节点2完成80%", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "zh 完成 80% with space is a percent", in: "2 完成 80%", items: []Item{item(2, OnTrack, 80, "")}},
	{name: "zh 已完成80% then note", in: "2 已完成80%，剩余部分月底前完成",
		items: []Item{item(2, OnTrack, 80, "剩余部分月底前完成")}},
	{name: "zh 进度 percent", in: "节点3 进度：60% 受阻", items: []Item{item(3, Blocked, 60, "")}},
	{name: "en progress percent", in: "M3 progress 40% at risk", items: []Item{item(3, AtRisk, 40, "")}},
	{name: "zh 完成 after percent starts the note", in: "2 80% 完成", items: []Item{item(2, OnTrack, 80, "完成")}},
	{name: "zh spaced 完成 after percent starts the note", in: "2 80% 完成 招商对接",
		items: []Item{item(2, OnTrack, 80, "完成 招商对接")}},
	{name: "en done after percent starts the note", in: "2 80% done", items: []Item{item(2, OnTrack, 80, "done")}},
	{name: "zh 完成 after 100%", in: "2 100% 完成", items: []Item{item(2, Done, 100, "")}},
	{name: "zh 完成 100%", in: "2 完成 100%", items: []Item{item(2, Done, 100, "")}},
	{name: "state and percent", in: "2 delayed 60%", items: []Item{item(2, AtRisk, 60, "")}},
	{name: "percent, state and note", in: "2 60% 滞后 拆迁未完成", items: []Item{item(2, AtRisk, 60, "拆迁未完成")}},

	// State words.
	{name: "en on track hyphen", in: "2 On-Track", items: []Item{item(2, OnTrack, -1, "")}},
	{name: "en ontrack glued", in: "2 ontrack", items: []Item{item(2, OnTrack, -1, "")}},
	{name: "en on track with percent and note", in: "2 on track 70% land cleared",
		items: []Item{item(2, OnTrack, 70, "land cleared")}},
	{name: "en at risk with note", in: "2 at risk, waiting for land approval",
		items: []Item{item(2, AtRisk, -1, "waiting for land approval")}},
	{name: "en stuck", in: "2 stuck", items: []Item{item(2, Blocked, -1, "")}},
	{name: "en ok", in: "1 ok", items: []Item{item(1, OnTrack, -1, "")}},
	{name: "zh pending", in: "3 未开始", items: []Item{item(3, Pending, -1, "")}},
	{name: "zh 需协调 with note", in: "2 需协调 用地指标", items: []Item{item(2, Blocked, -1, "用地指标")}},
	{name: "zh 已滞后", in: "2 已滞后", items: []Item{item(2, AtRisk, -1, "")}},
	{name: "emoji after state", in: "2 完成👍", items: []Item{item(2, Done, -1, "👍")}},
	{name: "number inside note is not an item", in: "2 受阻 需要 3 个部门协调",
		items: []Item{item(2, Blocked, -1, "需要 3 个部门协调")}},
	{name: "note keeps full-width text", in: "２ ８０％ 完成招商对接，签约３家",
		items: []Item{item(2, OnTrack, 80, "完成招商对接，签约３家")}},

	// Multiple items.
	{name: "two items separated by spaces", in: "1 完成 2 60%",
		items: []Item{item(1, Done, -1, ""), item(2, OnTrack, 60, "")}},
	{name: "two items zh semicolon", in: "1 完成；2 60% 招商对接中",
		items: []Item{item(1, Done, -1, ""), item(2, OnTrack, 60, "招商对接中")}},
	{name: "two items en comma", in: "1 done, 2 80%",
		items: []Item{item(1, Done, -1, ""), item(2, OnTrack, 80, "")}},
	{name: "two items with M refs", in: "M1 done; M3 80% 等待验收",
		items: []Item{item(1, Done, -1, ""), item(3, OnTrack, 80, "等待验收")}},
	{name: "one item per line", in: "1 完成\n3 受阻 等待用地审批\n",
		items: []Item{item(1, Done, -1, ""), item(3, Blocked, -1, "等待用地审批")}},
	{name: "ref with head after note opens an item", in: "2 80% 完成招商对接 3 done",
		items: []Item{item(2, OnTrack, 80, "完成招商对接"), item(3, Done, -1, "")}},
	{name: "number without head inside note stays", in: "2 80% 已与 3 家企业签约",
		items: []Item{item(2, OnTrack, 80, "已与 3 家企业签约")}},
	{name: "enumeration comma", in: "1、完成 2、60%",
		items: []Item{item(1, Done, -1, ""), item(2, OnTrack, 60, "")}},
	{name: "full stop between items", in: "1 完成。3 受阻",
		items: []Item{item(1, Done, -1, ""), item(3, Blocked, -1, "")}},
	{name: "three items full-width separators", in: "1 完成，3 有风险；2 50%",
		items: []Item{item(1, Done, -1, ""), item(3, AtRisk, -1, ""), item(2, OnTrack, 50, "")}},
	{name: "note then next line", in: "1 完成 资料已归档。\n2 正常",
		items: []Item{item(1, Done, -1, "资料已归档"), item(2, OnTrack, -1, "")}},

	// The only open milestone needs no ref.
	{name: "single open milestone percent", in: "80%", ctx: &ctx1, items: []Item{item(2, OnTrack, 80, "")}},
	{name: "single open milestone done", in: "完成", ctx: &ctx1, items: []Item{item(2, Done, -1, "")}},
	{name: "single open milestone state and note", in: "受阻 等待用地审批", ctx: &ctx1,
		items: []Item{item(2, Blocked, -1, "等待用地审批")}},
	{name: "single open milestone percent and note", in: "80% 完成招商对接", ctx: &ctx1,
		items: []Item{item(2, OnTrack, 80, "完成招商对接")}},
	{name: "single open milestone no state", in: "收到", ctx: &ctx1,
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "收到"}}},

	// NeedMilestone and NoOpenMilestone.
	{name: "percent without ref, several open", in: "80%",
		prob: &Problem{Kind: NeedMilestone, Candidates: []int{1, 2, 3}, Item: ptr(item(0, OnTrack, 80, ""))}},
	{name: "full-width percent without ref", in: "８０％ 招商对接",
		prob: &Problem{Kind: NeedMilestone, Candidates: []int{1, 2, 3}, Item: ptr(item(0, OnTrack, 80, "招商对接"))}},
	{name: "state without ref, several open", in: "完成",
		prob: &Problem{Kind: NeedMilestone, Candidates: []int{1, 2, 3}, Item: ptr(item(0, Done, -1, ""))}},
	{name: "number glued to text is not a ref", in: "3家企业已签约",
		prob: &Problem{Kind: NeedMilestone, Candidates: []int{1, 2, 3}}},
	{name: "decimal is not a ref", in: "2.5 done",
		prob: &Problem{Kind: NeedMilestone, Candidates: []int{1, 2, 3}}},
	{name: "no ref in a reply of several items", in: "完成 2 60%", ctx: &ctx1,
		items: []Item{item(2, OnTrack, 60, "")},
		prob:  &Problem{Kind: NeedMilestone, Candidates: []int{2}}},
	{name: "nothing open", in: "完成", ctx: &ctx0, prob: &Problem{Kind: NoOpenMilestone}},

	// AmbiguousNumber: never read a bare number as a percent.
	{name: "number after ref could be a percent", in: "2 80 完成",
		prob: &Problem{Kind: AmbiguousNumber, Milestone: 2, Candidates: []int{2}, Number: 80, Text: "80"}},
	{name: "number after M ref", in: "M2 60",
		prob: &Problem{Kind: AmbiguousNumber, Milestone: 2, Candidates: []int{2}, Number: 60, Text: "60"}},
	{name: "two bare numbers", in: "1 2 完成",
		prob: &Problem{Kind: AmbiguousNumber, Milestone: 1, Candidates: []int{1}, Number: 2, Text: "2"}},
	{name: "lone number that is no milestone", in: "80",
		prob: &Problem{Kind: AmbiguousNumber, Candidates: []int{1, 2, 3}, Number: 80, Text: "80"}},
	{name: "lone number with the only open milestone", in: "80", ctx: &ctx1,
		prob: &Problem{Kind: AmbiguousNumber, Candidates: []int{2}, Number: 80, Text: "80"}},
	{name: "full-width lone number with state", in: "８０ 受阻",
		prob: &Problem{Kind: AmbiguousNumber, Candidates: []int{1, 2, 3}, Number: 80, Text: "８０"}},

	// UnknownMilestone and MilestoneDone.
	{name: "unknown bare milestone with done", in: "9 done",
		prob: &Problem{Kind: UnknownMilestone, Milestone: 9, Text: "9"}},
	{name: "unknown M ref", in: "M9 80%", prob: &Problem{Kind: UnknownMilestone, Milestone: 9, Text: "M9"}},
	{name: "unknown bare milestone with percent", in: "5 80%",
		prob: &Problem{Kind: UnknownMilestone, Milestone: 5, Text: "5"}},
	{name: "unknown number over 100", in: "150 受阻",
		prob: &Problem{Kind: UnknownMilestone, Milestone: 150, Text: "150"}},
	{name: "unknown huge number", in: "M99999999999999999999 done",
		prob: &Problem{Kind: UnknownMilestone, Text: "M99999999999999999999"}},
	{name: "milestone already done", in: "4 完成", prob: &Problem{Kind: MilestoneDone, Milestone: 4, Text: "4"}},
	{name: "milestone already done Chinese numeral", in: "节点四 80%",
		prob: &Problem{Kind: MilestoneDone, Milestone: 4, Text: "节点四"}},

	// BadPercent.
	{name: "percent over 100", in: "2 150%", prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 150, Text: "150%"}},
	{name: "negative percent", in: "2 -5%", prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 5, Text: "-5%"}},
	{name: "decimal percent", in: "2 80.5%", prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 80, Text: "80.5%"}},
	{name: "decimal percent with zero", in: "2 80.0% 正常",
		prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 80, Text: "80.0%"}},
	{name: "百分之 over 100", in: "2 百分之一百二十",
		prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 120, Text: "百分之一百二十"}},
	{name: "full-width over 100", in: "２ １２０％",
		prob: &Problem{Kind: BadPercent, Milestone: 2, Number: 120, Text: "１２０％"}},

	// NeedState.
	{name: "zh no state", in: "2 收到",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "收到"}}},
	{name: "ref alone", in: "2", prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2}}},
	{name: "state word glued to note is a note", in: "2 受阻等待用地审批",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "受阻等待用地审批"}}},
	{name: "完成 with object is a note", in: "2 完成招商对接",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "完成招商对接"}}},
	{name: "negated state is a note", in: "2 未完成",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "未完成"}}},
	{name: "en negated state is a note", in: "M2 not ok",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "not ok"}}},
	{name: "八成 is not a percent", in: "2 八成",
		prob: &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "八成"}}},

	// ConflictingState.
	{name: "zh two states", in: "2 完成 受阻", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "受阻"}},
	{name: "en done with 80%", in: "2 done 80%", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "80%"}},
	{name: "blocked with 100%", in: "2 blocked 100%", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "100%"}},
	{name: "100% then at risk", in: "2 100% 有风险", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "有风险"}},
	{name: "on track with 100%", in: "2 正常 100%", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "100%"}},
	{name: "pending with progress", in: "2 未开始 30%", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "30%"}},
	{name: "two percents", in: "2 80% 90%", prob: &Problem{Kind: ConflictingState, Milestone: 2, Text: "90%"}},
	{name: "same state twice is fine", in: "2 完成 done", items: []Item{item(2, Done, -1, "")}},

	// Empty and TooLong.
	{name: "empty", in: "", prob: &Problem{Kind: Empty}},
	{name: "blanks only", in: "  \n\t", prob: &Problem{Kind: Empty}},
	{name: "ideographic space only", in: "　", prob: &Problem{Kind: Empty}},
	{name: "punctuation only", in: "。。。！？", prob: &Problem{Kind: Empty}},
	{name: "too long", in: strings.Repeat("好", MaxRunes+1), prob: &Problem{Kind: TooLong}},
	{name: "longest accepted", in: "2 " + strings.Repeat("好", MaxRunes-2),
		prob: &Problem{Kind: NeedState, Milestone: 2}},

	// DuplicateMilestone and several problems.
	{name: "duplicate milestone", in: "2 done 2 80%", prob: &Problem{Kind: DuplicateMilestone, Milestone: 2}},
	{name: "duplicate milestone with other item", in: "M2 done；1 正常；节点2 80%",
		items: []Item{item(1, OnTrack, -1, "")},
		prob:  &Problem{Kind: DuplicateMilestone, Milestone: 2}},
	{name: "confident items kept beside a problem", in: "1 完成，2 收到",
		items: []Item{item(1, Done, -1, "")},
		prob:  &Problem{Kind: NeedState, Milestone: 2, Item: &Item{Milestone: 2, Note: "收到"}}},
	{name: "unknown milestone beside a good item", in: "1 完成 9 done",
		items: []Item{item(1, Done, -1, "")},
		prob:  &Problem{Kind: UnknownMilestone, Milestone: 9, Text: "9"}},
	{name: "ref after a head always opens an item", in: "2 受阻，3 天后复工",
		items: []Item{item(2, Blocked, -1, "")},
		prob:  &Problem{Kind: NeedState, Milestone: 3, Item: &Item{Milestone: 3, Note: "天后复工"}}},
	{name: "state words after the note are not read", in: "2 80% 完成 受阻",
		items: []Item{item(2, OnTrack, 80, "完成 受阻")}},
	{name: "huge number never matches a milestone", in: "M100000000000 done",
		ctx:  &Context{OpenMilestones: []int{huge}, AllMilestones: []int{huge}},
		prob: &Problem{Kind: UnknownMilestone, Text: "M100000000000"}},
	// Corrections are about the corrected report's milestone, done or not.
	{name: "correction without a milestone", in: "80% 还差验收", ctx: &ctxFix4,
		items: []Item{item(4, OnTrack, 80, "还差验收")}},
	{name: "correction naming its done milestone", in: "4 80% 还差验收", ctx: &ctxFix4,
		items: []Item{item(4, OnTrack, 80, "还差验收")}},
	{name: "correction naming another milestone is read as written", in: "2 50%", ctx: &ctxFix4,
		items: []Item{item(2, OnTrack, 50, "")}},
	{name: "correction with a bare number asks", in: "60", ctx: &ctxFix4,
		prob: &Problem{Kind: AmbiguousNumber, Milestone: 0, Candidates: []int{4}, Number: 60, Text: "60"}},
	{name: "correction naming an unknown milestone", in: "M9 done", ctx: &ctxFix4,
		prob: &Problem{Kind: UnknownMilestone, Milestone: 9, Text: "M9"}},
	{name: "two items needing questions", in: "1 收到\n3 收到",
		prob: &Problem{Kind: NeedState, Milestone: 1, Others: 1, Item: &Item{Milestone: 1, Note: "收到"}}},
}

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range parseCases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			ctx := ctx3
			if c.ctx != nil {
				ctx = *c.ctx
			}
			got := Parse(c.in, ctx)
			if fmtItems(got.Items) != fmtItems(c.items) {
				t.Errorf("Parse(%q) items = %s, want %s", c.in, fmtItems(got.Items), fmtItems(c.items))
			}
			gp := got.Problem
			if gp != nil && c.prob != nil && c.prob.Item == nil {
				cp := *gp
				cp.Item = nil
				gp = &cp
			}
			if fmtProblem(gp) != fmtProblem(c.prob) {
				t.Errorf("Parse(%q) problem = %s, want %s", c.in, fmtProblem(got.Problem), fmtProblem(c.prob))
			}
		})
	}
}

func TestParseState(t *testing.T) {
	cases := []struct {
		name, in string
		want     State
		ok       bool
	}{
		{"constant pending", "pending", Pending, true},
		{"constant on_track", "on_track", OnTrack, true},
		{"constant at_risk", "at_risk", AtRisk, true},
		{"constant blocked", "blocked", Blocked, true},
		{"constant done", "done", Done, true},
		{"en phrase with spaces", " On Track ", OnTrack, true},
		{"en at-risk", "At-Risk", AtRisk, true},
		{"zh 已完成", "已完成", Done, true},
		{"zh 需协调", "需协调", Blocked, true},
		{"full-width", "ＤＯＮＥ", Done, true},
		{"trailing punctuation", "受阻。", Blocked, true},
		{"two words", "done blocked", "", false},
		{"negated", "未完成", "", false},
		{"unknown", "maybe", "", false},
		{"empty", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParseState(c.in)
			if got != c.want || ok != c.ok {
				t.Errorf("ParseState(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestParsePercent(t *testing.T) {
	cases := []struct {
		name, in string
		want     int
		ok       bool
	}{
		{"plain", "80%", 80, true},
		{"full-width", "８０％", 80, true},
		{"space before sign", "80 %", 80, true},
		{"bare number answers the question", "80", 80, true},
		{"百分之 Chinese", "百分之八十五", 85, true},
		{"百分之 digits", "百分之80", 80, true},
		{"verb", "完成80%", 80, true},
		{"zero", "0%", 0, true},
		{"hundred", "100%", 100, true},
		{"over 100", "101%", 0, false},
		{"bare over 100", "180", 0, false},
		{"decimal", "80.5%", 0, false},
		{"negative", "-5%", 0, false},
		{"trailing text", "80% 正常", 0, false},
		{"八成", "八成", 0, false},
		{"empty", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParsePercent(c.in)
			if ok != c.ok || ok && got != c.want {
				t.Errorf("ParsePercent(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestParseDetail(t *testing.T) {
	cases := []struct {
		name, in string
		pct      int // -1: nil
		note     string
		prob     ProblemKind
	}{
		{"percent and note", "80% 备注：等待验收", 80, "备注：等待验收", ""},
		{"full-width percent", "８０％，等待验收", 80, "等待验收", ""},
		{"note only", "等待用地审批", -1, "等待用地审批", ""},
		{"percent only", "60%", 60, "", ""},
		{"bare number only", "60", 60, "", ""},
		{"skip zh", "跳过", -1, "", ""},
		{"skip en", "Skip", -1, "", ""},
		{"skip dash", "-", -1, "", ""},
		{"skip full-width dash", "－", -1, "", ""},
		{"percent then skip", "80% 跳过", 80, "", ""},
		{"verb percent", "完成80% 剩余扫尾", 80, "剩余扫尾", ""},
		{"bare number with text is ambiguous", "3 家企业已签约", -1, "", AmbiguousNumber},
		{"number glued to text is a note", "3家企业已签约", -1, "3家企业已签约", ""},
		{"bad percent", "120%", -1, "", BadPercent},
		{"bare over 100", "120", -1, "", BadPercent},
		{"decimal percent", "80.5% 说明", -1, "", BadPercent},
		{"too long", strings.Repeat("字", MaxRunes+1), -1, "", TooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, note, prob := ParseDetail(c.in)
			var kind ProblemKind
			if prob != nil {
				kind = prob.Kind
			}
			gotPct := -1
			if p != nil {
				gotPct = *p
			}
			if gotPct != c.pct || note != c.note || kind != c.prob {
				t.Errorf("ParseDetail(%q) = %d, %q, %q; want %d, %q, %q", c.in, gotPct, note, kind, c.pct, c.note, c.prob)
			}
		})
	}
}

func TestStateAllows(t *testing.T) {
	cases := []struct {
		s    State
		p    int
		want bool
	}{
		{Done, 100, true}, {Done, 99, false}, {OnTrack, 99, true}, {OnTrack, 100, false},
		{AtRisk, 0, true}, {Blocked, 100, false}, {Pending, 0, true}, {Pending, 1, false},
		{Done, 101, false}, {State("x"), 50, false},
	}
	for _, c := range cases {
		if got := c.s.Allows(c.p); got != c.want {
			t.Errorf("%q.Allows(%d) = %v, want %v", c.s, c.p, got, c.want)
		}
	}
}

func TestCnValue(t *testing.T) {
	cases := map[string]int{
		"零": 0, "一": 1, "九": 9, "十": 10, "十一": 11, "二十": 20, "二十三": 23, "九十九": 99,
		"一百": 100, "一百零五": 105, "一百二十": 120, "两": 2,
		"一百五": -1, "二三": -1, "十十": -1, "二〇": -1, "零十": -1, "百": -1,
	}
	for in, want := range cases {
		v, ok := cnValue([]rune(in))
		if !ok {
			v = -1
		}
		if v != want {
			t.Errorf("cnValue(%q) = %d, want %d", in, v, want)
		}
	}
}

// TestParseResultShape checks the promises of Result on every table case.
func TestParseResultShape(t *testing.T) {
	for _, c := range parseCases {
		for _, ctx := range []Context{ctx3, ctx1, ctx0, ctx12} {
			checkResult(t, c.in, ctx)
		}
	}
}
