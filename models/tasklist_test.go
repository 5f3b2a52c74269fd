package models_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func sampleList() []models.TaskSpec {
	return []models.TaskSpec{
		{
			Code: "T01", Title: "招商引资", Department: "区发改局",
			Leaders:    []models.PersonSpec{{Name: "王建国"}},
			Owners:     []models.PersonSpec{{Name: "赵敏"}},
			Attendants: []models.PersonSpec{{Name: "张伟", Department: "区住建局"}, {Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成招商对接", Due: date(2026, 3, 31)}, {Seq: 2, Title: "签约", Due: date(2026, 6, 30)}},
		},
		{
			Code: "T02", Title: "河道综合治理", Department: "区水利局",
			Leaders:    []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "张伟", Department: "区水利局"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: date(2026, 12, 31)}},
		},
	}
}

func TestImportTasksIsIdempotentAndKeepsReports(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		res, err := s.ImportTasks(ctx, sampleList(), false)
		if err != nil {
			t.Fatal(err)
		}
		want := models.ImportResult{TasksCreated: 2, MilestonesCreated: 3, PeopleCreated: 5, AssignmentsAdded: 6}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("first import %+v, want %+v", res, want)
		}
		again, err := s.ImportTasks(ctx, sampleList(), false)
		if err != nil {
			t.Fatal(err)
		}
		if again.Changed() {
			t.Fatalf("second import changed %+v", again)
		}

		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Attendants) != 2 || d.Attendants[0].Key != "张伟(区住建局)" || len(d.Leaders) != 1 {
			t.Fatalf("people of T01: %+v", d)
		}
		report := models.Report{TaskID: d.Task.ID, MilestoneID: d.Milestones[1].ID, PersonID: d.Attendants[0].ID, State: models.StateOnTrack}
		if err := s.DB.Create(&report).Error; err != nil {
			t.Fatal(err)
		}

		// The new file renames T01, moves a date, drops milestone 2 and
		// task T02, swaps an attendant and adds a task.
		list := sampleList()[:1]
		list[0].Title = "招商引资（更新）"
		list[0].Milestones = []models.MilestoneSpec{{Seq: 1, Title: "完成招商对接", Due: date(2026, 4, 30)}}
		list[0].Attendants = []models.PersonSpec{{Name: "刘洋"}, {Name: "孙丽"}}
		list = append(list, models.TaskSpec{Code: "T03", Title: "数字政府", Department: "区数据局",
			Leaders: []models.PersonSpec{{Name: "李明"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "上线", Due: date(2027, 1, 31)}}})

		dry, err := s.ImportTasks(ctx, list, true)
		if err != nil {
			t.Fatal(err)
		}
		var tasks int64
		s.DB.Model(&models.Task{}).Count(&tasks)
		if tasks != 2 || !dry.Changed() {
			t.Fatalf("dry run wrote: %d tasks, result %+v", tasks, dry)
		}
		res, err = s.ImportTasks(ctx, list, false)
		if err != nil {
			t.Fatal(err)
		}
		want = models.ImportResult{TasksCreated: 1, TasksUpdated: 1, MilestonesCreated: 1, MilestonesUpdated: 1,
			PeopleCreated: 2, AssignmentsAdded: 3, AssignmentsRemoved: 1,
			MissingTasks: []string{"T02"}, MissingMilestones: []string{"T01#2"},
			DueDatesMoved: []models.DueDateMove{{Milestone: "T01#1", From: date(2026, 3, 31), To: date(2026, 4, 30), Baseline: date(2026, 3, 31)}}}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("re-import %+v, want %+v", res, want)
		}
		if !reflect.DeepEqual(dry, res) {
			t.Fatalf("dry run said %+v, import did %+v", dry, res)
		}
		var reports int64
		s.DB.Model(&models.Report{}).Count(&reports)
		if reports != 1 {
			t.Fatal("import deleted a report")
		}
		d, _ = models.TaskByCode(s.DB, "T01")
		if d.Task.Title != "招商引资（更新）" || !d.Milestones[0].DueDate.Equal(date(2026, 4, 30)) || len(d.Milestones) != 2 {
			t.Fatalf("T01 after re-import: %+v", d)
		}
	})
}

// A newer list that writes a person's name differently must not cut them
// off: a department added to (or dropped from) an unambiguous name is the
// same person, binding and all; any other change leaves the bound person
// on no task, which the import reports, and their account may then open the
// new name's invite.
func TestRenamedPersonKeepsBinding(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.ImportTasks(ctx, sampleList(), false); err != nil {
			t.Fatal(err)
		}
		bind := func(key string, tg int64) {
			t.Helper()
			p, err := models.PersonByKey(s.DB, key)
			if err != nil {
				t.Fatal(err)
			}
			token, err := s.CreateInvite(ctx, p.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := redeemIn(s, token, tg); err != nil {
				t.Fatalf("bind %s: %v", key, err)
			}
		}
		bind("刘洋", 101)
		bind("王建国", 102)
		liu, _ := models.PersonByKey(s.DB, "刘洋")

		// 刘洋 gets a department: the same person.
		list := sampleList()
		list[0].Attendants[1] = models.PersonSpec{Name: "刘洋", Department: "区发改局"}
		res, err := s.ImportTasks(ctx, list, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.PeopleRenamed, []string{"刘洋 → 刘洋(区发改局)"}) || res.PeopleCreated != 0 || res.AssignmentsAdded != 0 || !res.Changed() {
			t.Fatalf("department added: %+v", res)
		}
		after, err := models.PersonByTelegramID(s.DB, 101)
		if err != nil || after.ID != liu.ID || after.Key != "刘洋(区发改局)" || after.Department != "区发改局" {
			t.Fatalf("renamed person %+v, %v", after, err)
		}
		if tasks, err := models.TasksOfPerson(s.DB, liu.ID); err != nil || len(tasks) != 1 {
			t.Fatalf("renamed person's tasks: %d, %v", len(tasks), err)
		}

		// 王建国 becomes 王建军: maybe a typo fixed, maybe someone else.
		// The import cannot tell, so it says so and changes no binding.
		list[0].Leaders = []models.PersonSpec{{Name: "王建军"}}
		list[1].Leaders = []models.PersonSpec{{Name: "王建军"}}
		res, err = s.ImportTasks(ctx, list, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.BoundWithoutTasks, []string{"王建国"}) || len(res.PeopleRenamed) != 0 || res.PeopleCreated != 1 {
			t.Fatalf("name changed: %+v", res)
		}
		// The admin invites the new name; the old name's account opens it.
		clock.Advance(time.Minute)
		bind("王建军", 102)
		if _, err := models.PersonByKey(s.DB, "王建国"); err != nil {
			t.Fatal(err)
		}
		if n := len(auditOf(t, s, "person_unbound")); n != 1 {
			t.Fatalf("%d unbind events", n)
		}
	})
}
