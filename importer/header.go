package importer

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// field is one column the importer knows.
type field int

const (
	fCode field = iota
	fTitle
	fLeader
	fDepartment
	fOwner
	fAttendants
	fSeq
	fMilestone
	fDue
	fSchedule
	fCategory
	fLon
	fLat
	numFields
)

type fieldDef struct {
	name     string   // English name used in messages
	headers  []string // accepted headers, the first one is the usual Chinese one
	required bool     // the column must exist
	task     bool     // a task column (may be blank on continuation rows)
}

var fieldDefs = [numFields]fieldDef{
	fCode:       {"task code", []string{"任务编号", "编号", "code"}, true, true},
	fTitle:      {"task title", []string{"任务名称", "重点任务", "task", "title"}, true, true},
	fLeader:     {"leader", []string{"包抓领导", "牵头领导", "leader"}, true, true},
	fDepartment: {"lead department", []string{"牵头单位", "责任单位", "department"}, true, true},
	fOwner:      {"owner", []string{"责任人", "owner"}, false, true},
	fAttendants: {"attendants", []string{"专班联络员", "专人", "联络员", "attendants"}, true, true},
	fSeq:        {"milestone number", []string{"节点序号", "序号", "milestone_no"}, true, false},
	fMilestone:  {"milestone", []string{"节点内容", "节点", "milestone"}, true, false},
	fDue:        {"due date", []string{"完成时限", "时限", "due"}, true, false},
	fSchedule:   {"reminder schedule", []string{"提醒计划", "schedule"}, false, true},
	fCategory:   {"category", []string{"类别", "分类", "category"}, false, true},
	fLon:        {"longitude", []string{"经度", "longitude", "lon"}, false, true},
	fLat:        {"latitude", []string{"纬度", "latitude", "lat"}, false, true},
}

// headerIndex maps a normalised header to its field.
var headerIndex = func() map[string]field {
	m := map[string]field{}
	for f, def := range fieldDefs {
		for _, h := range def.headers {
			m[normHeader(h)] = field(f)
		}
	}
	return m
}()

// normHeader folds a header cell for matching: full-width letters to ASCII,
// lower case, every white-space character removed.
func normHeader(s string) string {
	s, err := sanitize(s)
	if err != nil {
		return ""
	}
	s = strings.ToLower(width.Fold.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// columns records where each known field is in the sheet.
type columns struct {
	index [numFields]int    // column index, -1 when absent
	label [numFields]string // header as written (trimmed), for messages
}

// label returns the column's header as written, or its usual Chinese name
// when the column is absent.
func (c *columns) name(f field) string {
	if c.label[f] != "" {
		return c.label[f]
	}
	return fieldDefs[f].headers[0]
}

// headerScore counts the distinct known headers in a row.
func headerScore(r sheetRow) int {
	seen := map[field]bool{}
	for _, c := range r.cells {
		if f, ok := headerIndex[normHeader(c.text)]; ok {
			seen[f] = true
		}
	}
	return len(seen)
}

// readHeader maps the header row's cells to fields. Problems are a missing
// required column or a field given twice; unknown columns become a warning.
func readHeader(r sheetRow) (*columns, []Problem, []string) {
	cols := &columns{}
	for i := range cols.index {
		cols.index[i] = -1
	}
	var problems []Problem
	var unknown []string
	for i, c := range r.cells {
		label := oneLine(mustSanitize(c.text))
		if label == "" {
			continue
		}
		f, ok := headerIndex[normHeader(c.text)]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", label))
			continue
		}
		if cols.index[f] >= 0 {
			msg := fmt.Sprintf("the %s column appears twice", fieldDefs[f].name)
			if cols.label[f] != label {
				msg = fmt.Sprintf("%s (also as %q)", msg, cols.label[f])
			}
			problems = append(problems, Problem{Row: r.num, Column: label, Message: msg})
			continue
		}
		cols.index[f] = i
		cols.label[f] = label
	}
	for f, def := range fieldDefs {
		if def.required && cols.index[f] < 0 {
			problems = append(problems, Problem{Row: r.num, Message: fmt.Sprintf(
				"missing required column %s (header %s)", def.name, strings.Join(def.headers, ", "))})
		}
	}
	var warnings []string
	if len(unknown) > 0 {
		warnings = append(warnings, fmt.Sprintf("row %d: ignored unknown columns %s", r.num, strings.Join(unknown, ", ")))
	}
	return cols, problems, warnings
}

// mustSanitize is sanitize for places where a bad cell is reported
// elsewhere (or not at all): it returns "" on error.
func mustSanitize(s string) string {
	t, err := sanitize(s)
	if err != nil {
		return ""
	}
	return t
}
