package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"taskbot/examples"
	"taskbot/importer"
	"taskbot/models"
)

// The English walkthrough speaks English to everyone, and on another day
// the example list is dated relative to that day, so the demo tells the
// same story: the same lights, the same days overdue.
func TestDemoInEnglishOnAnotherDay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	got, err := run(t, "demo", "--dir", dir, "--lang", "en", "--day", "2027-05-20")
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, got)
	}
	for _, want := range []string{
		"moved by +174 days, so that it reads on 2027-05-20 as written for 2026-11-27",
		"-> Passer-by #2: Hello!",
		"Hello 杨帆, your account is now bound.",
		// 2026-03-31 + 174 days: still 241 days overdue.
		"1. 完成全年招商项目库梳理，储备项目不少于100个 — due 2026-09-21 ⚠️overdue",
		"⏰ 王建国 urges a report · 241 days overdue",
		"State: on track · 85%",
		"State: blocked\n  Note: waiting for land approval",
		"For 杨帆, who is away until 2027-05-20",
		"Reported for 杨帆",
		"-> Zhao Lei #",
		"✅ Signed “2027 Commitment on Key Tasks”, version 1",
		"Signed 1/3 (2027)",
		"Visit recorded: 1 problem(s) found, 1 solved on site.",
		"🔴 1 red · 🟡 1 yellow · 🟢 1 green · ✅ 1 done",
		"failed: 0, 429s received: 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("English demo lacks %q", want)
		}
	}
	// Private chats are in English: no bot message there starts in Chinese
	// (work groups speak Chinese; task titles are the list's own).
	private := regexp.MustCompile(`(?m)^  @taskbot_demo_bot -> (Supervision Office|Passer-by|Yang Fan|Wang Jianguo|Liu Yang|Zhao Lei) #\d+: [^\n]*`)
	for _, line := range private.FindAllString(got, -1) {
		if regexp.MustCompile(`(您|已|请|的)`).MatchString(strings.SplitN(line, ": ", 2)[1]) &&
			!regexp.MustCompile(`T\d\d`).MatchString(line) {
			t.Errorf("a private message in Chinese in the English demo: %s", line)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}

func TestDemoStartIsOfficeHoursOnTheDay(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	late := time.Date(2027, 3, 9, 23, 50, 0, 0, shanghai)
	for _, c := range []struct {
		day  string
		want time.Time
	}{
		{"", time.Date(2027, 3, 9, 10, 30, 0, 0, shanghai)},
		{"2026-11-27", time.Date(2026, 11, 27, 10, 30, 0, 0, shanghai)},
	} {
		got, err := demoStart(c.day, late)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("demoStart(%q) = %v, %v; want %v", c.day, got, err, c.want)
		}
	}
	for _, bad := range []string{"2026-13-01", "27.11.2026", "tomorrow"} {
		if _, err := demoStart(bad, late); err == nil || !strings.Contains(err.Error(), "--day") {
			t.Errorf("demoStart(%q) = %v, want an error naming --day", bad, err)
		}
	}
	if out, err := run(t, "demo", "--lang", "fr"); err == nil || !strings.Contains(err.Error(), "zh or en") {
		t.Errorf("demo --lang fr: %v\n%s", err, out)
	}
}

func TestExpandDay(t *testing.T) {
	start := time.Date(2027, 5, 20, 10, 30, 0, 0, time.UTC)
	if got := expandDay("/extend T01 3 {day:+49} late", start); got != "/extend T01 3 2027-07-08 late" {
		t.Errorf("expandDay = %q", got)
	}
	if got := expandDay("{day:-20}", start); got != "2027-04-30" {
		t.Errorf("expandDay = %q", got)
	}
}

// Everything a simulated person writes or looks for in their private chat
// has its English form, or the English walkthrough would stall or mix.
func TestDemoScriptHasEnglish(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	token := regexp.MustCompile(`\{token:[^}]*\}`) // names a person, not words
	for i, step := range demoScript {
		en := step.in("en")
		for _, f := range []struct{ name, zh, en string }{{"say", step.say, en.say}, {"press", step.press, en.press}, {"replyTo", step.replyTo, en.replyTo}} {
			if !han.MatchString(token.ReplaceAllString(f.zh, "")) || f.zh != f.en {
				continue
			}
			if (step.forum || step.group) && f.name != "say" {
				continue // work groups speak Chinese
			}
			t.Errorf("step %d (%s): %s %q has no English form", i, step.who, f.name, f.zh)
		}
	}
}

// The example list moves by whole days and keeps everything else.
func TestExampleListDatedForAnotherDay(t *testing.T) {
	day := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	list, err := examples.List(day)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := examples.List(examples.Anchor)
	if err != nil {
		t.Fatal(err)
	}
	days := examples.DaysFromAnchor(day)
	if days != 66 {
		t.Fatalf("days from anchor = %d, want 66", days)
	}
	for i, task := range list.Tasks {
		for j, m := range task.Milestones {
			want := orig.Tasks[i].Milestones[j].Due.Time().AddDate(0, 0, days)
			if !m.Due.Time().Equal(want) || m.Title != orig.Tasks[i].Milestones[j].Title {
				t.Errorf("%s milestone %d: %v %q, want %v", task.Code, m.Seq, m.Due, m.Title, want)
			}
		}
	}
	// What the demo writes reads back as the same list, from either file.
	csvData, err := examples.CSV(list)
	if err != nil {
		t.Fatal(err)
	}
	xlsxData, err := examples.Workbook(list)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"tasks.csv": csvData, "tasks.xlsx": xlsxData} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var back *importer.TaskList
		if name == "tasks.csv" {
			back, err = importer.ReadCSV(f, importer.Options{Today: day})
		} else {
			back, err = importer.ReadXLSX(f, importer.Options{Today: day})
		}
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(back.Tasks) != len(list.Tasks) {
			t.Fatalf("%s: %d tasks, want %d", name, len(back.Tasks), len(list.Tasks))
		}
		for i := range back.Tasks {
			if got, want := back.Tasks[i].Milestones[0].Due, list.Tasks[i].Milestones[0].Due; got != want {
				t.Errorf("%s %s: first due %v, want %v", name, back.Tasks[i].Code, got, want)
			}
		}
	}
}

// The board links the demo prints name each person's tasks as the store
// holds them.
func TestDemoBoardRoles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for key, want := range map[string]string{
		"王建国": "leader of T01, T05, T07, T12",
		"杨帆":  "attendant of T01, T06",
		"刘洋":  "in charge of T01",
		"赵磊":  "attendant of T01, T07, T12",
	} {
		got, err := demoBoardRole(store.DB, key)
		if err != nil || got != want {
			t.Errorf("demoBoardRole(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
}
