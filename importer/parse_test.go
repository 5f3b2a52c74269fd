package importer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// oneTask is what every header variant below must read.
var oneTask = Task{
	Code: "T07", Title: "河道综合治理", Department: "区水利局", Category: "生态环保",
	Schedule:   "0 9 * * 1,3,5",
	Leaders:    []PersonRef{{Name: "李明"}},
	Owners:     []PersonRef{{Name: "吴敏"}},
	Attendants: []PersonRef{{Name: "张伟", Department: "区水利局"}, {Name: "刘芳"}},
	Milestones: []Milestone{
		{Seq: 1, Title: "完成初步设计批复", Due: d(2026, 3, 31)},
		{Seq: 2, Title: "工程完工", Due: d(2026, 12, 31)},
	},
}

func TestHeaderVariants(t *testing.T) {
	// values in the order code, title, leader, dept, owner, attendants,
	// seq, milestone, due, schedule, category
	vals := [][]string{
		{"T07", "河道综合治理", "李明", "区水利局", "吴敏", "张伟(区水利局)、刘芳", "1", "完成初步设计批复", "2026-03-31", "0 9 * * 1,3,5", "生态环保"},
		{"", "", "", "", "", "", "2", "工程完工", "2026-12-31", "", ""},
	}
	tests := []struct {
		name     string
		header   []string
		order    []int // position of each value column in the file; nil = as is
		extra    bool  // add an unknown column at the end
		above    [][]string
		firstRow int // row of the first data row
		warnings []string
	}{
		{name: "chinese", header: stdHeader, firstRow: 2},
		{name: "chinese alternates", header: []string{"编号", "重点任务", "牵头领导", "责任单位", "责任人", "专人", "序号", "节点", "时限", "提醒计划", "分类"}, firstRow: 2},
		{name: "chinese alternates 2", header: []string{"编号", "任务名称", "包抓领导", "牵头单位", "owner", "联络员", "节点序号", "节点内容", "完成时限", "schedule", "类别"}, firstRow: 2},
		{name: "english", header: []string{"code", "title", "leader", "department", "owner", "attendants", "milestone_no", "milestone", "due", "schedule", "category"}, firstRow: 2},
		{name: "english task and case", header: []string{"CODE", "Task", "Leader", "DEPARTMENT", "Owner", "Attendants", "Milestone_No", "MILESTONE", "Due", "Schedule", "Category"}, firstRow: 2},
		{name: "mixed order", header: []string{"due", "节点内容", "code", "类别", "专班联络员", "title", "序号", "leader", "提醒计划", "牵头单位", "责任人"},
			order: []int{2, 5, 7, 9, 10, 4, 6, 1, 0, 8, 3}, firstRow: 2},
		{name: "spaces, full-width spaces, line breaks, full-width letters", header: []string{" 任务编号 ", "\u3000任务名称\u3000", "包抓 领导", "牵头单位\t", " 责任人 ", "专班\n联络员", "  Milestone_no", "节点内容 ", "完成\r\n时限", "ＳＣＨＥＤＵＬＥ", "　类别"}, firstRow: 2},
		{name: "title rows above the header", header: stdHeader, above: [][]string{{"2026年区委区政府重点任务清单"}, {}, {"填报单位：区督查室", "", "日期：2026年1月"}}, firstRow: 5,
			warnings: []string{"row 1: ignored, it is above the header row 4", "row 3: ignored, it is above the header row 4"}},
		{name: "unknown column", header: stdHeader, extra: true, firstRow: 2,
			warnings: []string{`row 1: ignored unknown columns "备注"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := append([][]string{}, tc.above...)
			h := append([]string{}, tc.header...)
			if tc.extra {
				h = append(h, "备注")
			}
			rows = append(rows, h)
			for _, v := range vals {
				r := make([]string, len(v))
				for i := range v {
					pos := i
					if tc.order != nil {
						pos = tc.order[i]
					}
					r[pos] = v[i]
				}
				if tc.extra {
					r = append(r, "按月调度")
				}
				rows = append(rows, r)
			}
			list := mustCSV(t, csvText(rows...))
			wantTask := oneTask
			wantTask.Row = tc.firstRow
			wantTask.Milestones = []Milestone{oneTask.Milestones[0], oneTask.Milestones[1]}
			wantTask.Milestones[0].Row = tc.firstRow
			wantTask.Milestones[1].Row = tc.firstRow + 1
			if len(list.Tasks) != 1 || !reflect.DeepEqual(list.Tasks[0], wantTask) {
				t.Fatalf("got %+v\nwant %+v", list.Tasks, wantTask)
			}
			if !reflect.DeepEqual(list.Warnings, tc.warnings) {
				t.Errorf("warnings = %q, want %q", list.Warnings, tc.warnings)
			}
		})
	}
}

func TestHeaderProblems(t *testing.T) {
	data := row("T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", "")
	tests := []struct {
		name  string
		text  string
		wants []want
	}{
		{
			name: "missing required columns",
			text: csvText([]string{"任务编号", "任务名称", "牵头单位", "节点内容"}, []string{"T01", "任务", "区发改局", "节点"}),
			wants: []want{
				{1, "", "missing required column leader"},
				{1, "", "missing required column attendants"},
				{1, "", "missing required column milestone number"},
				{1, "", "missing required column due date"},
			},
		},
		{
			name:  "duplicate header",
			text:  csvText(append(append([]string{}, stdHeader...), "完成时限"), append(data, "2026-04-01")),
			wants: []want{{1, "完成时限", "the due date column appears twice"}},
		},
		{
			name:  "duplicate through a synonym",
			text:  csvText(append(append([]string{}, stdHeader...), "编号"), append(data, "T02")),
			wants: []want{{1, "编号", `the task code column appears twice (also as "任务编号")`}},
		},
		{
			name: "duplicate and missing together",
			text: csvText([]string{"code", "CODE", "title", "leader", "department", "attendants", "milestone", "due"}, []string{"T1"}),
			wants: []want{
				{1, "CODE", "the task code column appears twice"},
				{1, "", "missing required column milestone number"},
			},
		},
		{
			name: "header in the third row",
			text: "\n\n" + csvText([]string{"任务编号", "任务名称"}),
			wants: []want{
				{3, "", "missing required column leader"},
				{3, "", "missing required column lead department"},
				{3, "", "missing required column attendants"},
				{3, "", "missing required column milestone number"},
				{3, "", "missing required column milestone "},
				{3, "", "missing required column due date"},
			},
		},
		{name: "empty file", text: "", wants: []want{{0, "", "the file is empty"}}},
		{name: "only blank lines and commas", text: "\n , ,\n\n,,,\n", wants: []want{{0, "", "the file is empty"}}},
		{name: "header without rows", text: withHeader(), wants: []want{{0, "", "no tasks below the header row 1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readCSVString(t, tc.text)
			expectProblems(t, err, tc.wants...)
		})
	}
}

func TestInheritanceAndMerging(t *testing.T) {
	t.Run("continuation rows inherit", func(t *testing.T) {
		list := mustCSV(t, withHeader(
			row("T01", "招商引资", "王建国", "区投资促进局", "刘洋", "杨帆、赵磊", "1", "项目库梳理", "2026-03-31", "0 9 * * 1", "经济发展"),
			row("", "", "", "", "", "", "2", "签约项目", "2026-06-30", "", ""),
			row("", "招商引资", "王建国", "", "", "赵磊，杨帆", "3", "开工", "2026-12-15", "", ""), // same values repeated, names in another order
			row("T02", "老旧小区改造", "李明", "区住建局", "", "徐静", "1", "方案", "2026-04-30", "", ""),
			row("", "", "", "", "", "", "2", "开工", "2026-07-31", "", ""),
		))
		if len(list.Tasks) != 2 {
			t.Fatalf("got %d tasks", len(list.Tasks))
		}
		t1, t2 := list.Tasks[0], list.Tasks[1]
		if len(t1.Milestones) != 3 || t1.Title != "招商引资" || t1.Schedule != "0 9 * * 1" || t1.Category != "经济发展" ||
			!reflect.DeepEqual(t1.Attendants, []PersonRef{{Name: "杨帆"}, {Name: "赵磊"}}) {
			t.Errorf("T01 = %+v", t1)
		}
		if len(t2.Milestones) != 2 || t2.Owners != nil || t2.Category != "" || t2.Schedule != "" || t2.Row != 5 {
			t.Errorf("T02 = %+v", t2)
		}
		if got := []int{t1.Milestones[2].Row, t2.Milestones[1].Row}; !reflect.DeepEqual(got, []int{4, 6}) {
			t.Errorf("milestone rows = %v", got)
		}
	})
	t.Run("non-adjacent rows of one task", func(t *testing.T) {
		list := mustCSV(t, withHeader(
			row("T01", "招商引资", "王建国", "区投资促进局", "", "杨帆", "2", "签约", "2026-06-30", "", ""),
			row("T02", "老旧小区改造", "李明", "区住建局", "", "徐静", "1", "方案", "2026-04-30", "", ""),
			row("t01", "", "", "", "刘洋", "", "1", "梳理", "2026-03-31", "", ""), // lower-case code, adds the owner
			row("", "", "", "", "", "", "3", "开工", "2026-12-15", "", ""),      // continues T01
			row("T02", "", "", "", "", "", "2", "开工", "2026-07-31", "", ""),
		))
		if len(list.Tasks) != 2 || list.Tasks[0].Code != "T01" || list.Tasks[1].Code != "T02" {
			t.Fatalf("tasks = %+v", list.Tasks)
		}
		t1 := list.Tasks[0]
		var seqs, rows []int
		for _, m := range t1.Milestones {
			seqs, rows = append(seqs, m.Seq), append(rows, m.Row)
		}
		if !reflect.DeepEqual(seqs, []int{1, 2, 3}) || !reflect.DeepEqual(rows, []int{4, 2, 5}) {
			t.Errorf("T01 milestones seqs %v rows %v", seqs, rows)
		}
		if !reflect.DeepEqual(t1.Owners, []PersonRef{{Name: "刘洋"}}) || t1.Row != 2 {
			t.Errorf("T01 = %+v", t1)
		}
		if len(list.Tasks[1].Milestones) != 2 {
			t.Errorf("T02 = %+v", list.Tasks[1])
		}
	})
	tests := []struct {
		name  string
		rows  [][]string
		wants []want
	}{
		{
			name: "conflicting title on a continuation row",
			rows: [][]string{
				row("T01", "招商引资", "王建国", "区投资促进局", "", "杨帆", "1", "梳理", "2026-03-31", "", ""),
				row("", "营商环境", "", "", "", "", "2", "签约", "2026-06-30", "", ""),
			},
			wants: []want{{3, "任务名称", `"营商环境" differs from "招商引资" given on row 2 for task T01 (a row with a blank 任务编号 continues the task above)`}},
		},
		{
			name: "conflicts on non-adjacent rows",
			rows: [][]string{
				row("T01", "招商引资", "王建国", "区投资促进局", "", "杨帆", "1", "梳理", "2026-03-31", "", "经济"),
				row("T02", "老旧小区改造", "李明", "区住建局", "", "徐静", "1", "方案", "2026-04-30", "", ""),
				row("T01", "招商引资", "李明", "区发改局", "", "杨帆、赵磊", "2", "签约", "2026-06-30", "0 9 * * *", "民生"),
			},
			wants: []want{
				{4, "包抓领导", `"李明" differs from "王建国" given on row 2 for task T01`},
				{4, "牵头单位", `"区发改局" differs from "区投资促进局"`},
				{4, "专班联络员", `"杨帆、赵磊" differs from "杨帆"`},
				{4, "类别", `"民生" differs from "经济"`},
			},
		},
		{
			name: "first data row without a code",
			rows: [][]string{
				row("", "招商引资", "王建国", "区投资促进局", "", "杨帆", "1", "梳理", "2026-03-31", "", ""),
				row("", "", "", "", "", "", "2", "签约", "2026-06-30", "", ""),
			},
			wants: []want{{2, "任务编号", "the task code is empty and there is no task above to continue"}},
		},
		{
			name: "task column never given",
			rows: [][]string{
				row("T01", "招商引资", "", "区投资促进局", "", "", "1", "梳理", "2026-03-31", "", ""),
				row("", "", "", "", "", "", "2", "签约", "2026-06-30", "", ""),
				row("T02", "", "李明", "区住建局", "", "徐静", "1", "方案", "2026-04-30", "", ""),
			},
			wants: []want{
				{2, "包抓领导", "task T01 has no leader on any of its rows"},
				{2, "专班联络员", "task T01 has no attendants on any of its rows"},
				{4, "任务名称", "task T02 has no task title on any of its rows"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readCSVString(t, withHeader(tc.rows...))
			expectProblems(t, err, tc.wants...)
		})
	}
}

func TestMilestoneNumbers(t *testing.T) {
	base := func(seqs ...string) string {
		var rows [][]string
		for i, s := range seqs {
			if i == 0 {
				rows = append(rows, row("T01", "任务", "王建国", "区发改局", "", "杨帆", s, "节点"+s+"a", "2026-03-31", "", ""))
			} else {
				rows = append(rows, row("", "", "", "", "", "", s, "节点"+s+string(rune('a'+i)), "2026-03-31", "", ""))
			}
		}
		return withHeader(rows...)
	}
	ok := []struct {
		name  string
		seqs  []string
		want  []int // Seq in output order
		title []string
	}{
		{name: "plain", seqs: []string{"1", "2", "3"}, want: []int{1, 2, 3}},
		{name: "all blank numbered in row order", seqs: []string{"", "", ""}, want: []int{1, 2, 3}, title: []string{"节点a", "节点b", "节点c"}},
		{name: "sorted by number", seqs: []string{"3", "1", "2"}, want: []int{1, 2, 3}, title: []string{"节点1b", "节点2c", "节点3a"}},
		{name: "M prefix, decimals, full-width, gaps", seqs: []string{"M1", "m3", "4.0", "１０"}, want: []int{1, 3, 4, 10}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			list := mustCSV(t, base(tc.seqs...))
			var got []int
			var titles []string
			for _, m := range list.Tasks[0].Milestones {
				got = append(got, m.Seq)
				titles = append(titles, m.Title)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("seqs = %v, want %v", got, tc.want)
			}
			if tc.title != nil && !reflect.DeepEqual(titles, tc.title) {
				t.Errorf("titles = %v, want %v", titles, tc.title)
			}
		})
	}
	bad := []struct {
		name  string
		seqs  []string
		wants []want
	}{
		{name: "blank mixed with numbers", seqs: []string{"1", "", "3", ""}, wants: []want{
			{3, "节点序号", "the milestone number is blank, but row 2 of task T01 gives one"},
			{5, "节点序号", "the milestone number is blank"},
		}},
		{name: "duplicate", seqs: []string{"1", "2", "M2", "1"}, wants: []want{
			{4, "节点序号", "milestone number 2 of task T01 is already used on row 3"},
			{5, "节点序号", "milestone number 1 of task T01 is already used on row 2"},
		}},
		{name: "not numbers", seqs: []string{"一", "0", "2.5", "-1", "节点2"}, wants: []want{
			{2, "节点序号", `milestone number "一" is not a whole number`},
			{3, "节点序号", `milestone number "0" must be between 1 and 9999`},
			{4, "节点序号", `"2.5" is not a whole number`},
			{5, "节点序号", `"-1" is not a whole number`},
			{6, "节点序号", `"节点2" is not a whole number`},
		}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readCSVString(t, base(tc.seqs...))
			expectProblems(t, err, tc.wants...)
		})
	}
}

// TestAllProblemsAtOnce puts one of every kind of bad row in one file and
// expects every problem, with its row, in one error.
func TestAllProblemsAtOnce(t *testing.T) {
	text := withHeader(
		row("T01", "招商引资", "王建国", "区投资促进局", "", "杨帆", "1", "梳理", "2026-03-31", "", ""),        // 2 fine
		row("", "", "", "", "", "", "2", "", "2026-06-30", "", ""),                            // 3 milestone empty
		row("", "", "", "", "", "", "3", "开工", "", "", ""),                                    // 4 due empty
		row("", "", "", "", "", "", "4", "到位", "2026/13/01", "", ""),                          // 5 bad date
		row("T02", "小区改造", "李明", "区住建局", "", "徐静", "1", "方案", "2026-02-30", "", ""),           // 6 impossible date
		row("", "", "", "", "", "", "1", "开工", "2026-07-31", "", ""),                          // 7 duplicate milestone
		row("T03", "河道治理", "李明", "区水利局", "", "张伟", "1", "批复", "2026-02-28", "0 9 * *", ""),    // 8 bad cron
		row("T04", "数字政府", "陈静", "区大数据局", "", "唐亮", "1", "平台", "2026-06-30", "CRON_TZ=", ""),  // 9 zone prefix
		row("T 05", "营商环境", "王建国", "区政务服务管理局", "", "宋佳", "1", "开办", "2026-05-31", "", ""),     // 10 code with a space
		row("T06", "用地保障", "", "区自然资源局", "", "赵磊", "1", "报批", "2026-04-30", "", ""),           // 11 no leader anywhere
		row("T07", "养老中心", "陈静", "区民政局", "", "张伟(区住建局", "1", "立项", "2026-03-31", "", ""),      // 12 bad name
		row("T08", "学校新建", "李明", "区教育局", "", "高鹏", "1", "招标", "2026-01-31", "0 9 30 2 *", ""), // 13 never fires
	)
	_, err := readCSVString(t, text)
	expectProblems(t, err,
		want{3, "节点内容", "the milestone is empty"},
		want{4, "完成时限", "the due date is empty"},
		want{5, "完成时限", `"2026/13/01" is not a valid date (no month 13)`},
		want{6, "完成时限", `"2026-02-30" is not a valid date (2026-02 has 28 days)`},
		want{7, "节点序号", "milestone number 1 of task T02 is already used on row 6"},
		want{8, "提醒计划", `reminder schedule "0 9 * *" is not a valid cron spec`},
		want{9, "提醒计划", "time-zone prefixes are not allowed"},
		want{10, "任务编号", `task code "T 05" must not contain spaces`},
		want{11, "包抓领导", "task T06 has no leader on any of its rows"},
		want{12, "专班联络员", `name "张伟(区住建局": write a namesake as 姓名(单位)`},
		want{13, "提醒计划", `reminder schedule "0 9 30 2 *" never fires`},
	)
	// The message lists them one per line.
	msg := err.Error()
	if !strings.HasPrefix(msg, "row 3, 节点内容: the milestone is empty\nrow 4, 完成时限: the due date is empty\n") || strings.Count(msg, "\n") != 10 {
		t.Errorf("Error() =\n%s", msg)
	}
}

func TestBadRowKinds(t *testing.T) {
	good := func(mod func(r []string)) []string {
		r := row("T01", "招商引资", "王建国", "区投资促进局", "刘洋", "杨帆", "1", "梳理", "2026-03-31", "", "")
		mod(r)
		return r
	}
	tests := []struct {
		name string
		mod  func(r []string)
		want want
	}{
		{"missing title", func(r []string) { r[1] = " " }, want{2, "任务名称", "task T01 has no task title"}},
		{"missing department", func(r []string) { r[3] = "" }, want{2, "牵头单位", "task T01 has no lead department"}},
		{"missing milestone", func(r []string) { r[7] = "" }, want{2, "节点内容", "the milestone is empty"}},
		{"missing due", func(r []string) { r[8] = "\u3000" }, want{2, "完成时限", "the due date is empty"}},
		{"bad date", func(r []string) { r[8] = "下月底" }, want{2, "完成时限", `"下月底" is not a date`}},
		{"impossible date", func(r []string) { r[8] = "2026年2月29日" }, want{2, "完成时限", "2026-02 has 28 days"}},
		{"year out of range", func(r []string) { r[8] = "1999-12-31" }, want{2, "完成时限", "the year must be between 2000 and 2099"}},
		{"bad cron", func(r []string) { r[9] = "every monday" }, want{2, "提醒计划", "is not a valid cron spec"}},
		{"cron out of range", func(r []string) { r[9] = "0 25 * * *" }, want{2, "提醒计划", "is not a valid cron spec"}},
		{"CRON_TZ prefix", func(r []string) { r[9] = "CRON_TZ=Asia/Shanghai 0 9 * * *" }, want{2, "提醒计划", "time-zone prefixes are not allowed"}},
		{"bare CRON_TZ", func(r []string) { r[9] = "CRON_TZ=" }, want{2, "提醒计划", "time-zone prefixes are not allowed"}},
		{"TZ prefix", func(r []string) { r[9] = "TZ=UTC 0 9 * * *" }, want{2, "提醒计划", "time-zone prefixes are not allowed"}},
		{"@every", func(r []string) { r[9] = "@every 1s" }, want{2, "提醒计划", "@every is not allowed"}},
		{"impossible cron", func(r []string) { r[9] = "0 9 31 4 *" }, want{2, "提醒计划", "never fires"}},
		{"code with space", func(r []string) { r[0] = "T 01" }, want{2, "任务编号", "must not contain spaces"}},
		{"code too long", func(r []string) { r[0] = strings.Repeat("A", 33) }, want{2, "任务编号", "the limit is 32"}},
		{"title too long", func(r []string) { r[1] = strings.Repeat("务", 201) }, want{2, "任务名称", "task title is 201 characters long, the limit is 200"}},
		{"milestone too long", func(r []string) { r[7] = strings.Repeat("节", 501) }, want{2, "节点内容", "the limit is 500"}},
		{"NUL in a cell", func(r []string) { r[7] = "梳\x00理" }, want{2, "节点内容", "contains a NUL character"}},
		{"empty parentheses", func(r []string) { r[2] = "王建国()" }, want{2, "包抓领导", "has empty parentheses"}},
		{"no name before parentheses", func(r []string) { r[5] = "（区住建局）" }, want{2, "专班联络员", "has no name before the parentheses"}},
		{"year-less date without reference", nil, want{}}, // handled below
	}
	for _, tc := range tests {
		if tc.mod == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			_, err := readCSVString(t, withHeader(good(tc.mod)))
			ps := problemsOf(t, err)
			if ps[0].Row != tc.want.row || ps[0].Column != tc.want.col || !strings.Contains(ps[0].Message, tc.want.frag) {
				t.Errorf("first problem = %q, want %v (all: %v)", ps[0].String(), tc.want, err)
			}
		})
	}
	t.Run("year-less date without reference", func(t *testing.T) {
		_, err := ReadCSV(strings.NewReader(withHeader(good(func(r []string) { r[8] = "3月31日" }))), Options{})
		expectProblems(t, err, want{2, "完成时限", "has no year and no reference date"})
	})
}

func TestCellCleaning(t *testing.T) {
	list := mustCSV(t, withHeader(
		row(" ｔ０１ ", "  招商\n引资\u200b攻坚\x07 ", "王  建国", "区投资\u3000促进局", "", "Li Ming ,杨帆", "1", "project\tlist  review", "  ２０２６－０３－３１ ", "０ ９ ＊ ＊ １，３", "经济\r\n发展"),
	))
	task := list.Tasks[0]
	got := []string{task.Code, task.Title, task.Leaders[0].Name, task.Department, task.Attendants[0].Name, task.Milestones[0].Title, task.Milestones[0].Due.String(), task.Schedule, task.Category}
	wantVals := []string{"T01", "招商引资攻坚", "王建国", "区投资促进局", "Li Ming", "project list review", "2026-03-31", "0 9 * * 1,3", "经济发展"}
	if !reflect.DeepEqual(got, wantVals) {
		t.Errorf("got  %q\nwant %q", got, wantVals)
	}
}

func TestRowNumbers(t *testing.T) {
	// Blank lines count as rows and a quoted cell over several lines is
	// one row, as in a spreadsheet program.
	text := "\ufeff" + "\n" + withHeader() + "\n\n" +
		"T01,\"招商\n引资\",王建国,区投资促进局,,\"杨帆\n赵磊\",1,梳理,2026-03-31,,\n" +
		",,,,,,2,签约,2026-13-01,,\n" +
		"\n" +
		",,,,,,3,,2026-12-01,,\n"
	_, err := readCSVString(t, text)
	expectProblems(t, err,
		want{6, "完成时限", "no month 13"},
		want{8, "节点内容", "the milestone is empty"},
	)
}

func TestRowsWithOnlyUnknownColumns(t *testing.T) {
	text := csvText(
		append(append([]string{}, stdHeader...), "备注"),
		append(row("T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", ""), ""),
		append(make([]string, len(stdHeader)), "说明：节点按月调度"),
	)
	list := mustCSV(t, text)
	want := []string{`row 1: ignored unknown columns "备注"`, "row 3: ignored, nothing in the known columns"}
	if !reflect.DeepEqual(list.Warnings, want) {
		t.Errorf("warnings = %q", list.Warnings)
	}
}

func TestProblemCap(t *testing.T) {
	rows := [][]string{row("T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", "")}
	for i := 0; i < MaxProblems+10; i++ {
		rows = append(rows, row("", "", "", "", "", "", "", "节点", "bad", "", ""))
	}
	_, err := readCSVString(t, withHeader(rows...))
	ps := problemsOf(t, err)
	if len(ps) != MaxProblems+1 || !strings.Contains(ps[MaxProblems].Message, "more problems not listed") {
		t.Errorf("got %d problems, last %q", len(ps), ps[len(ps)-1])
	}
}

func TestValidationErrorFormat(t *testing.T) {
	e := &ValidationError{Problems: []Problem{
		{Message: "the file is empty"},
		{Column: "完成时限", Message: "x"},
		{Row: 3, Message: "y"},
		{Row: 7, Column: "完成时限", Message: "z"},
	}}
	want := "the file is empty\ncolumn 完成时限: x\nrow 3: y\nrow 7, 完成时限: z"
	if e.Error() != want {
		t.Errorf("Error() = %q", e.Error())
	}
	var wrapped error = errors.Join(errors.New("import"), e)
	var ve *ValidationError
	if !errors.As(wrapped, &ve) || len(ve.Problems) != 4 {
		t.Error("errors.As failed")
	}
}

// The export writes a quote before cells a spreadsheet would run as a
// formula; reading takes exactly that quote off again and nothing else.
func TestCSVQuotedFormulaCellsReadBack(t *testing.T) {
	tests := []struct{ cell, want string }{
		{`'=HYPERLINK("http://x","y")`, `=HYPERLINK("http://x","y")`},
		{"'+1", "+1"},
		{"'-2+3", "-2+3"},
		{"'@SUM(A1)", "@SUM(A1)"},
		{"''=1", "'=1"},
		{"'plain", "'plain"},
		{"'", "'"},
		{"-", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.cell, func(t *testing.T) {
			list := mustCSV(t, withHeader(row("T01", tc.cell, "王建国", "区发改局", "", "刘洋", "1", tc.cell, "2026-12-31", "", "")))
			task := list.Tasks[0]
			if task.Title != tc.want || task.Milestones[0].Title != tc.want {
				t.Fatalf("title %q, milestone %q, want %q", task.Title, task.Milestones[0].Title, tc.want)
			}
		})
	}
}

func TestQuoteCSVCellRoundTrips(t *testing.T) {
	for _, s := range []string{"", "a", "'", "''", "'a", "=1", "'=1", "''=1", "+", "-1", "@", "\tx", "\rx", "'\tx", " =1"} {
		q := QuoteCSVCell(s)
		if got := unquoteCSVCell(q); got != s {
			t.Errorf("%q → %q → %q", s, q, got)
		}
		if q != s && q != "'"+s {
			t.Errorf("%q quoted as %q", s, q)
		}
	}
}
