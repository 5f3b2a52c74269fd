package importer

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// headerSearchRows is how many non-blank rows are searched for the header.
const headerSearchRows = 10

// maxMergeWork caps the rows visited while filling merged ranges.
const maxMergeWork = 5_000_000

// mergeRange is a merged cell range: rows 1-based, columns 0-based, inclusive.
type mergeRange struct {
	r1, c1, r2, c2 int
}

// parseTable turns the rows of a sheet into a validated task list.
func parseTable(tbl *table, opt Options, merges []mergeRange) (*TaskList, error) {
	p := &parser{opt: opt, tbl: tbl, byCode: map[string]*taskBuild{}}
	p.run(merges)
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: sortProblems(p.problems)}
	}
	return p.result(), nil
}

type parser struct {
	opt      Options
	tbl      *table
	cols     *columns
	problems []Problem
	warnings []string
	tasks    []*taskBuild
	byCode   map[string]*taskBuild
}

// taskValue is the value of one task column, set by the first row that
// gives it.
type taskValue struct {
	set    bool
	canon  string // compared with later rows' values
	text   string // as shown in messages
	row    int
	people []PersonRef
	num    float64 // a longitude or latitude
}

type taskBuild struct {
	code   string
	row    int
	vals   [numFields]taskValue
	ms     []msBuild
	listed bool // part of the result (false for rows without a task)
}

type msBuild struct {
	seq      int
	seqBlank bool
	seqOK    bool
	title    string
	due      Date
	row      int
}

func (p *parser) add(row int, f field, format string, args ...any) {
	col := ""
	if f >= 0 {
		col = p.cols.name(f)
	}
	p.problems = append(p.problems, Problem{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) run(merges []mergeRange) {
	rows := p.tbl.rows
	hi := -1
	nonBlank := 0
	for i, r := range rows {
		if rowBlank(r, nil) {
			continue
		}
		if hi < 0 {
			hi = i // fallback: the first non-blank row
		}
		if headerScore(r) >= 2 {
			hi = i
			break
		}
		nonBlank++
		if nonBlank >= headerSearchRows {
			break
		}
	}
	if hi < 0 {
		p.problems = append(p.problems, Problem{Message: "the file is empty: no header row found"})
		return
	}
	header := rows[hi]
	for _, r := range rows[:hi] {
		if !rowBlank(r, nil) {
			p.warnings = append(p.warnings, fmt.Sprintf("row %d: ignored, it is above the header row %d", r.num, header.num))
		}
	}
	cols, problems, warnings := readHeader(header)
	p.cols = cols
	p.warnings = append(p.warnings, warnings...)
	if len(problems) > 0 {
		p.problems = append(p.problems, problems...)
		return
	}
	data := rows[hi+1:]
	if !applyMerges(data, header.num, merges, cols) {
		p.problems = append(p.problems, Problem{Message: "too many merged cells; unmerge the cells and fill them in"})
		return
	}
	var prev *taskBuild
	seen := false
	for _, r := range data {
		if rowBlank(r, cols) {
			if !rowBlank(r, nil) {
				p.warnings = append(p.warnings, fmt.Sprintf("row %d: ignored, nothing in the known columns", r.num))
			}
			continue
		}
		seen = true
		prev = p.row(r, prev)
	}
	if !seen {
		p.problems = append(p.problems, Problem{Message: fmt.Sprintf("no tasks below the header row %d", header.num)})
		return
	}
	for _, t := range p.tasks {
		p.finishTask(t)
	}
}

// rowBlank tells whether a row has no text. With cols, only the known
// columns count, and only cells typed in the row itself (not filled from a
// merged range above).
func rowBlank(r sheetRow, cols *columns) bool {
	if cols == nil {
		for _, c := range r.cells {
			if oneLine(mustSanitize(c.text)) != "" {
				return false
			}
		}
		return true
	}
	for _, i := range cols.index {
		if i >= 0 && i < len(r.cells) && !r.cells[i].merged && oneLine(mustSanitize(r.cells[i].text)) != "" {
			return false
		}
	}
	return true
}

// applyMerges copies the top-left value of each merged range into the
// range's other cells, for the known columns of the data rows. It returns
// false if the ranges cover too many rows in all (overlapping ranges in a
// hostile file).
func applyMerges(data []sheetRow, headerRow int, merges []mergeRange, cols *columns) bool {
	if len(merges) == 0 || len(data) == 0 {
		return true
	}
	work := 0
	byNum := make(map[int]int, len(data))
	for i, r := range data {
		byNum[r.num] = i
	}
	for _, m := range merges {
		if m.r1 <= headerRow || m.r2 <= m.r1 && m.c2 <= m.c1 {
			continue
		}
		oi, ok := byNum[m.r1]
		if !ok || m.c1 >= len(data[oi].cells) {
			continue
		}
		origin := data[oi].cells[m.c1]
		origin.merged = true
		// Walk the data rows inside the range: there are at most len(data).
		start := sort.Search(len(data), func(i int) bool { return data[i].num >= m.r1 })
		for i := start; i < len(data) && data[i].num <= m.r2; i++ {
			if work++; work > maxMergeWork {
				return false
			}
			for _, c := range cols.index {
				if c < m.c1 || c > m.c2 || (i == oi && c == m.c1) {
					continue
				}
				r := &data[i]
				for len(r.cells) <= c {
					r.cells = append(r.cells, cell{})
				}
				r.cells[c] = origin
			}
		}
	}
	return true
}

// get returns the sanitised text of a known column in a row, with line
// breaks kept; ok is false (and the problem recorded) for a bad cell.
func (p *parser) get(r sheetRow, f field) (text string, c cell, ok bool) {
	i := p.cols.index[f]
	if i < 0 || i >= len(r.cells) {
		return "", cell{}, true
	}
	c = r.cells[i]
	t, err := sanitize(c.text)
	if err != nil {
		p.add(r.num, f, "%v", err)
		return "", c, false
	}
	return t, c, true
}

// row reads one data row into its task and returns that task.
func (p *parser) row(r sheetRow, prev *taskBuild) *taskBuild {
	raw, _, _ := p.get(r, fCode)
	codeText := oneLine(raw)
	var t *taskBuild
	continued := codeText == ""
	if continued {
		if prev == nil {
			p.add(r.num, fCode, "the task code is empty and there is no task above to continue")
			t = &taskBuild{row: r.num} // checked, not listed
		} else {
			t = prev
		}
	} else {
		code := normCode(codeText)
		if err := checkCode(code); err != nil {
			p.add(r.num, fCode, "%v", err)
		}
		t = p.byCode[code]
		if t == nil {
			t = &taskBuild{code: code, row: r.num, listed: true}
			p.byCode[code] = t
			p.tasks = append(p.tasks, t)
		}
	}
	for _, f := range []field{fTitle, fLeader, fDepartment, fOwner, fAttendants, fSchedule, fCategory, fLon, fLat} {
		if p.cols.index[f] >= 0 {
			p.taskCell(r, f, t, continued)
		}
	}
	p.milestone(r, t)
	return t
}

// taskCell reads one task column of a row: the first value given for the
// task is kept, a different value later is a conflict, a blank inherits.
func (p *parser) taskCell(r sheetRow, f field, t *taskBuild, continued bool) {
	raw, _, ok := p.get(r, f)
	if !ok {
		return
	}
	v := taskValue{row: r.num}
	var err error
	switch f {
	case fLeader, fOwner, fAttendants:
		v.text = oneLine(raw)
		v.people, err = parsePeople(raw)
		if err == nil {
			if len(v.people) == 0 {
				return // only separators: blank
			}
			keys := make([]string, len(v.people))
			for i, pr := range v.people {
				keys[i] = pr.Key()
			}
			sort.Strings(keys)
			v.canon = strings.Join(keys, "、")
		}
	case fSchedule:
		v.text = normSchedule(raw)
		v.canon = v.text
		if v.text != "" {
			_, err = ParseSchedule(v.text)
		}
	case fLon, fLat:
		v.text = oneLine(raw)
		if v.text != "" {
			v.num, err = parseDegrees(v.text, f == fLat)
			v.canon = strconv.FormatFloat(v.num, 'f', -1, 64)
		}
	default:
		v.text = oneLine(raw)
		v.canon = v.text
		switch f {
		case fTitle:
			err = checkLen(v.text, maxTitleRunes, "task title")
		case fDepartment:
			err = checkLen(v.text, maxDepartmentRunes, "department")
		case fCategory:
			err = checkLen(v.text, maxCategoryRunes, "category")
		}
	}
	if v.text == "" {
		return
	}
	if err != nil {
		v.canon = v.text // compare what was typed
	}
	old := &t.vals[f]
	if !old.set {
		v.set = true
		*old = v
		if err != nil {
			p.add(r.num, f, "%v", err)
		}
		return
	}
	if old.canon == v.canon {
		return
	}
	who := "this task"
	if t.code != "" {
		who = "task " + t.code
	}
	msg := fmt.Sprintf("%q differs from %q given on row %d for %s", v.text, old.text, old.row, who)
	if continued {
		msg += fmt.Sprintf(" (a row with a blank %s continues the task above)", p.cols.name(fCode))
	}
	p.add(r.num, f, "%s", msg)
}

// milestone reads the milestone columns of a row.
func (p *parser) milestone(r sheetRow, t *taskBuild) {
	m := msBuild{row: r.num}
	if raw, _, ok := p.get(r, fSeq); ok {
		if s := oneLine(raw); s == "" {
			m.seqBlank = true
		} else if n, err := parseSeq(s); err != nil {
			p.add(r.num, fSeq, "%v", err)
		} else {
			m.seq, m.seqOK = n, true
		}
	}
	if raw, _, ok := p.get(r, fMilestone); ok {
		m.title = oneLine(raw)
		if m.title == "" {
			p.add(r.num, fMilestone, "the milestone is empty")
		} else if err := checkLen(m.title, maxMilestoneRunes, "milestone"); err != nil {
			p.add(r.num, fMilestone, "%v", err)
		}
	}
	if raw, c, ok := p.get(r, fDue); ok {
		s := oneLine(raw)
		var err error
		switch {
		case s == "":
			p.add(r.num, fDue, "the due date is empty")
		case c.number:
			m.due, err = serialDate(s, p.tbl.date1904)
		default:
			m.due, err = parseDate(s, p.opt.Today)
		}
		if err != nil {
			p.add(r.num, fDue, "%v", err)
		}
	}
	t.ms = append(t.ms, m)
}

// finishTask checks what needs all rows of a task: required task columns,
// milestone numbers.
func (p *parser) finishTask(t *taskBuild) {
	for _, f := range []field{fTitle, fLeader, fDepartment, fAttendants} {
		if !t.vals[f].set {
			p.add(t.row, f, "task %s has no %s on any of its rows", t.code, fieldDefs[f].name)
		}
	}
	// A site is a point: a longitude alone, or a latitude alone, is not.
	if lon, lat := t.vals[fLon], t.vals[fLat]; lon.set != lat.set {
		missing, gave, given := fLat, fLon, lon
		if lat.set {
			missing, gave, given = fLon, fLat, lat
		}
		p.add(given.row, missing, "task %s has a %s but no %s", t.code, fieldDefs[gave].name, fieldDefs[missing].name)
	}
	blank, firstGiven := 0, 0
	for _, m := range t.ms {
		if m.seqBlank {
			blank++
		} else if firstGiven == 0 {
			firstGiven = m.row
		}
	}
	if blank == len(t.ms) {
		for i := range t.ms {
			t.ms[i].seq, t.ms[i].seqOK = i+1, true
		}
		return
	}
	if blank > 0 {
		for _, m := range t.ms {
			if m.seqBlank {
				p.add(m.row, fSeq, "the milestone number is blank, but row %d of task %s gives one: number all milestones of a task or none", firstGiven, t.code)
			}
		}
	}
	used := map[int]int{}
	for _, m := range t.ms {
		if !m.seqOK {
			continue
		}
		if row, dup := used[m.seq]; dup {
			p.add(m.row, fSeq, "milestone number %d of task %s is already used on row %d", m.seq, t.code, row)
			continue
		}
		used[m.seq] = m.row
	}
}

func (p *parser) result() *TaskList {
	list := &TaskList{Tasks: make([]Task, 0, len(p.tasks)), Warnings: p.warnings}
	for _, t := range p.tasks {
		task := Task{
			Code:       t.code,
			Title:      t.vals[fTitle].text,
			Department: t.vals[fDepartment].text,
			Category:   t.vals[fCategory].text,
			Schedule:   t.vals[fSchedule].text,
			Leaders:    t.vals[fLeader].people,
			Owners:     t.vals[fOwner].people,
			Attendants: t.vals[fAttendants].people,
			Row:        t.row,
		}
		if lon, lat := t.vals[fLon], t.vals[fLat]; lon.set && lat.set {
			task.Site = &Site{Lat: lat.num, Lon: lon.num}
		}
		for _, m := range t.ms {
			task.Milestones = append(task.Milestones, Milestone{Seq: m.seq, Title: m.title, Due: m.due, Row: m.row})
		}
		sort.SliceStable(task.Milestones, func(i, j int) bool { return task.Milestones[i].Seq < task.Milestones[j].Seq })
		list.Tasks = append(list.Tasks, task)
	}
	return list
}

// sortProblems orders problems by row (file-wide ones first), keeping the
// order they were found in within a row, and caps their number.
func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Row < ps[j].Row })
	if len(ps) > MaxProblems {
		more := len(ps) - MaxProblems
		ps = append(ps[:MaxProblems:MaxProblems], Problem{Message: fmt.Sprintf("… and %d more problems not listed", more)})
	}
	return ps
}

// parseDegrees reads a longitude or latitude in decimal degrees
// ("121.4737", "121.4737°", "121.4737E"); south and west are negative.
func parseDegrees(s string, lat bool) (float64, error) {
	what, limit := "longitude", 180.0
	if lat {
		what, limit = "latitude", 90.0
	}
	t := strings.TrimSpace(strings.ReplaceAll(s, "°", ""))
	sign := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'E', 'e', 'N', 'n':
			t = strings.TrimSpace(t[:n-1])
		case 'W', 'w', 'S', 's':
			t, sign = strings.TrimSpace(t[:n-1]), -1
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a %s in degrees, e.g. %s", s, what, map[bool]string{false: "121.4737", true: "31.2304"}[lat])
	}
	v *= sign
	if math.Abs(v) > limit {
		return 0, fmt.Errorf("%s %q is out of range (±%g)", what, s, limit)
	}
	return v, nil
}
