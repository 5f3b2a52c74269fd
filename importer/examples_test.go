package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var (
	exampleCSV  = filepath.Join("..", "examples", "tasks.csv")
	exampleXLSX = filepath.Join("..", "examples", "tasks.xlsx")
)

func readExample(t *testing.T, path string) *TaskList {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	list, err := Read(f, path, testOpt)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	checkList(t, list)
	return list
}

// TestExamplesAgree: the example CSV and the workbook generated from it by
// examples/gen read to the same list.
func TestExamplesAgree(t *testing.T) {
	fromCSV := readExample(t, exampleCSV)
	fromXLSX := readExample(t, exampleXLSX)
	if !reflect.DeepEqual(fromCSV, fromXLSX) {
		for i := range fromCSV.Tasks {
			if i < len(fromXLSX.Tasks) && !reflect.DeepEqual(fromCSV.Tasks[i], fromXLSX.Tasks[i]) {
				t.Errorf("task %d differs:\ncsv  %+v\nxlsx %+v", i, fromCSV.Tasks[i], fromXLSX.Tasks[i])
			}
		}
		t.Fatalf("lists differ (warnings %q vs %q; %d vs %d tasks)", fromCSV.Warnings, fromXLSX.Warnings, len(fromCSV.Tasks), len(fromXLSX.Tasks))
	}
}

// TestExampleContent checks that the example shows what it is meant to.
func TestExampleContent(t *testing.T) {
	list := readExample(t, exampleCSV)
	if len(list.Tasks) != 12 || len(list.Warnings) != 0 {
		t.Fatalf("%d tasks, warnings %q", len(list.Tasks), list.Warnings)
	}
	today := DateOf(refToday)
	soon := Date{2026, 12, 31}
	past, upcoming, schedules := 0, 0, 0
	leaders := map[string]int{}
	attendants := map[string]bool{}
	for i, task := range list.Tasks {
		if want := fmt.Sprintf("T%02d", i+1); task.Code != want {
			t.Errorf("task %d code %s", i, task.Code)
		}
		if n := len(task.Milestones); n < 2 || n > 4 {
			t.Errorf("%s has %d milestones", task.Code, n)
		}
		if n := len(task.Attendants); n < 1 || n > 3 {
			t.Errorf("%s has %d attendants", task.Code, n)
		}
		if len(task.Owners) != 1 {
			t.Errorf("%s owners %v", task.Code, task.Owners)
		}
		for _, m := range task.Milestones {
			switch {
			case m.Due.Compare(today) < 0:
				past++
			case m.Due.Compare(soon) <= 0:
				upcoming++
			}
		}
		if task.Schedule != "" {
			schedules++
		}
		for _, p := range task.Leaders {
			leaders[p.Key()]++
		}
		for _, p := range task.Attendants {
			attendants[p.Key()] = true
		}
	}
	if past == 0 || upcoming == 0 || schedules != 1 {
		t.Errorf("past %d, due soon %d, schedules %d", past, upcoming, schedules)
	}
	for _, name := range []string{"王建国", "李明", "陈静"} {
		if leaders[name] < 3 {
			t.Errorf("%s leads %d tasks", name, leaders[name])
		}
	}
	if !attendants["张伟(区住建局)"] || !attendants["张伟(区水利局)"] || len(attendants) < 8 {
		t.Errorf("attendants %v", attendants)
	}
}
