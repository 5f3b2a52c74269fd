package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// refToday is the reference date of the tests.
var refToday = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

var testOpt = Options{Today: refToday}

// stdHeader is the usual Chinese header.
var stdHeader = []string{"任务编号", "任务名称", "包抓领导", "牵头单位", "责任人", "专班联络员", "节点序号", "节点内容", "完成时限", "提醒计划", "类别"}

// csvText writes rows as CSV text.
func csvText(rows ...[]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		panic(err)
	}
	return b.String()
}

// withHeader prepends stdHeader.
func withHeader(rows ...[]string) string {
	return csvText(append([][]string{stdHeader}, rows...)...)
}

// row builds a data row in stdHeader order.
func row(code, title, leader, dept, owner, att, seq, ms, due, sched, cat string) []string {
	return []string{code, title, leader, dept, owner, att, seq, ms, due, sched, cat}
}

func readCSVString(t *testing.T, text string) (*TaskList, error) {
	t.Helper()
	return ReadCSV(strings.NewReader(text), testOpt)
}

func mustCSV(t *testing.T, text string) *TaskList {
	t.Helper()
	list, err := readCSVString(t, text)
	if err != nil {
		t.Fatalf("ReadCSV: unexpected error: %v", err)
	}
	checkList(t, list)
	return list
}

// problemsOf returns the problems of a *ValidationError, failing otherwise.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		t.Fatal("expected a validation error, got none")
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("expected *ValidationError, got %T: %v", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatal("ValidationError without problems")
	}
	return ve.Problems
}

// want is an expected problem: row, column and a fragment of the message.
type want struct {
	row  int
	col  string
	frag string
}

func (w want) String() string { return fmt.Sprintf("row %d, %s: …%s…", w.row, w.col, w.frag) }

// expectProblems checks that err lists exactly the wanted problems, in order.
func expectProblems(t *testing.T, err error, wants ...want) {
	t.Helper()
	ps := problemsOf(t, err)
	if len(ps) != len(wants) {
		t.Fatalf("got %d problems, want %d:\n%v\nwant:\n%v", len(ps), len(wants), err, wants)
	}
	for i, w := range wants {
		p := ps[i]
		if p.Row != w.row || p.Column != w.col || !strings.Contains(p.Message, w.frag) {
			t.Errorf("problem %d = %q, want %v", i, p.String(), w)
		}
	}
}

// checkList asserts the invariants of a successfully parsed list.
func checkList(t testing.TB, list *TaskList) {
	t.Helper()
	if err := listInvariant(list); err != nil {
		t.Fatal(err)
	}
}

func listInvariant(list *TaskList) error {
	if list == nil {
		return errors.New("nil list without error")
	}
	codes := map[string]bool{}
	for _, task := range list.Tasks {
		switch {
		case task.Code == "" || codes[task.Code]:
			return fmt.Errorf("empty or repeated code %q", task.Code)
		case task.Code != strings.ToUpper(task.Code) || strings.ContainsAny(task.Code, " \t\n"):
			return fmt.Errorf("code %q not normalised", task.Code)
		case task.Title == "" || task.Department == "":
			return fmt.Errorf("task %s: empty title or department", task.Code)
		case len(task.Leaders) == 0 || len(task.Attendants) == 0:
			return fmt.Errorf("task %s: no leader or attendant", task.Code)
		case len(task.Milestones) == 0:
			return fmt.Errorf("task %s: no milestone", task.Code)
		case task.Row < 1:
			return fmt.Errorf("task %s: row %d", task.Code, task.Row)
		}
		codes[task.Code] = true
		if task.Schedule != "" {
			if _, err := ParseSchedule(task.Schedule); err != nil {
				return fmt.Errorf("task %s: schedule: %v", task.Code, err)
			}
		}
		for _, group := range [][]PersonRef{task.Leaders, task.Owners, task.Attendants} {
			seen := map[string]bool{}
			for _, p := range group {
				if p.Name == "" || seen[p.Key()] || strings.ContainsAny(p.Key(), "（）、，,;；\n") {
					return fmt.Errorf("task %s: bad person %+v", task.Code, p)
				}
				seen[p.Key()] = true
			}
		}
		for i, m := range task.Milestones {
			if m.Seq < 1 || (i > 0 && m.Seq <= task.Milestones[i-1].Seq) {
				return fmt.Errorf("task %s: milestone numbers not unique and sorted", task.Code)
			}
			if m.Title == "" || m.Row < 1 {
				return fmt.Errorf("task %s: bad milestone %+v", task.Code, m)
			}
			if m.Due.Time().Year() != m.Due.Year || DateOf(m.Due.Time()) != m.Due || m.Due.Year < minYear || m.Due.Year > maxYear {
				return fmt.Errorf("task %s: bad due date %+v", task.Code, m.Due)
			}
		}
	}
	return nil
}

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }
