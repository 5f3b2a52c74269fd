package models_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A person with several tasks chooses some of them for a leave, each with
// a deputy of its own: only their own tasks, a deputy bound and on the
// task or in the department, each refusal changing nothing; the leave
// confirmed names the deputies per task, and a task not chosen is
// reported on by its other people (StandInFor by role).
func TestLeaveDraftChosenTasks(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		me, now := k.attendant, clock.Now
		// 张伟 reports on T01, T03 and T04; 刘洋 is on T01 and T03, 赵敏
		// (T01's person in charge) on T04 too.
		t03 := models.Task{Code: "T03", Title: "老旧小区改造"}
		t04 := models.Task{Code: "T04", Title: "营商环境"}
		for _, task := range []*models.Task{&t03, &t04} {
			if err := s.DB.Create(task).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range []models.Assignment{
			{PersonID: me, TaskID: t03.ID, Role: models.RoleAttendant}, {PersonID: k.other, TaskID: t03.ID, Role: models.RoleAttendant},
			{PersonID: me, TaskID: t04.ID, Role: models.RoleAttendant}, {PersonID: k.owner, TaskID: t04.ID, Role: models.RoleOwner},
		} {
			if err := s.DB.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
		}
		unbound := models.Person{Key: "钱七", Name: "钱七"}
		if err := s.DB.Create(&unbound).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Create(&models.Assignment{PersonID: unbound.ID, TaskID: t03.ID, Role: models.RoleAttendant}).Error; err != nil {
			t.Fatal(err)
		}
		var d *models.LeaveDraft
		do := func(fn func(tx *gorm.DB) error) error { return k.tx(fn) }
		first, last := day(2026, 3, 9), day(2026, 3, 13)
		err := do(func(tx *gorm.DB) (err error) {
			if d, err = models.StartLeaveDraft(tx, me, now()); err != nil {
				return err
			}
			if _, err = models.SetDraftKind(tx, me, d.ID, models.LeaveTrip, now()); err != nil {
				return err
			}
			d, err = models.SetDraftDays(tx, me, d.ID, &first, &last, now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Step != models.StepTasks {
			t.Fatalf("step %s after the days of a person with three tasks, want %s", d.Step, models.StepTasks)
		}
		chosen := func() []uint {
			t.Helper()
			ts, err := models.DraftTasks(s.DB, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []uint
			for _, x := range ts {
				out = append(out, x.TaskID)
			}
			return out
		}
		toggle := func(task uint) error {
			return do(func(tx *gorm.DB) error { _, err := models.ToggleDraftTask(tx, me, d.ID, task, now()); return err })
		}
		if err := toggle(k.otherTask); !errors.Is(err, models.ErrDeputyNotOnTask) {
			t.Fatalf("choosing another's task: %v", err)
		}
		if err := do(func(tx *gorm.DB) error { _, err := models.DoneChoosingTasks(tx, me, d.ID, now()); return err }); !errors.Is(err, models.ErrNoTaskChosen) {
			t.Fatalf("done with no task chosen: %v", err)
		}
		for _, task := range []uint{k.d.Task.ID, t03.ID, t04.ID, t04.ID} {
			if err := toggle(task); err != nil {
				t.Fatal(err)
			}
		}
		if got := chosen(); len(got) != 2 || got[0] != k.d.Task.ID || got[1] != t03.ID {
			t.Fatalf("chosen %v, want T01 and T03", got)
		}
		if err := do(func(tx *gorm.DB) error { _, err := models.DoneChoosingTasks(tx, me, d.ID, now()); return err }); err != nil {
			t.Fatal(err)
		}

		candidates, err := models.DeputyCandidates(s.DB, me, t03.ID, 8)
		if err != nil {
			t.Fatal(err)
		}
		if len(candidates) != 1 || candidates[0].ID != k.other {
			t.Fatalf("candidates on T03 %+v, want 刘洋 alone (钱七 is not bound)", candidates)
		}

		deputy := func(task, who uint) error {
			return do(func(tx *gorm.DB) error {
				next, err := models.SetDraftTaskDeputy(tx, me, d.ID, task, who, now())
				if err == nil {
					d = next
				}
				return err
			})
		}
		for _, c := range []struct {
			name       string
			task, whom uint
			want       error
		}{
			{"not bound", t03.ID, unbound.ID, models.ErrDeputyUnbound},
			{"on none of the tasks", t03.ID, k.stranger, models.ErrDeputyUnrelated},
			{"on another of the tasks only", t03.ID, k.owner, models.ErrDeputyUnrelated},
			{"themself", t03.ID, me, models.ErrDeputySelf},
			{"a task not chosen", t04.ID, k.owner, models.ErrDeputyNotOnTask},
		} {
			t.Run(c.name, func(t *testing.T) {
				if err := deputy(c.task, c.whom); !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				next, err := models.NextDraftTask(s.DB, d.ID)
				if err != nil || next == nil || next.TaskID != k.d.Task.ID {
					t.Fatalf("next task %+v, %v: want T01, nothing picked", next, err)
				}
			})
		}
		// One deputy for the rest: 赵敏 is not on T03, so neither task gets one.
		if err := do(func(tx *gorm.DB) error {
			_, err := models.SetDraftDeputyForRest(tx, me, d.ID, k.owner, now())
			return err
		}); !errors.Is(err, models.ErrDeputyUnrelated) {
			t.Fatalf("one deputy for the rest, off T03: %v", err)
		}
		if err := deputy(0, k.owner); err != nil {
			t.Fatal(err)
		}
		if d.Step != models.StepTaskDeputy {
			t.Fatalf("step %s with T03 still without a deputy", d.Step)
		}
		if err := deputy(t03.ID, k.other); err != nil {
			t.Fatal(err)
		}
		if d.Step != models.StepConfirm {
			t.Fatalf("step %s with every task's deputy picked", d.Step)
		}
		var l *models.Leave
		err = do(func(tx *gorm.DB) (err error) {
			l, err = models.ConfirmLeaveDraft(tx, me, d.ID, k.shanghai, false, now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if l.DeputyID != nil || l.DeputyOn(k.d.Task.ID) != k.owner || l.DeputyOn(t03.ID) != k.other || l.DeputyOn(t04.ID) != 0 {
			t.Fatalf("leave %+v: want 赵敏 on T01, 刘洋 on T03, nobody named on T04", l)
		}
		var left int64
		s.DB.Model(&models.LeaveDraftTask{}).Count(&left)
		if left != 0 {
			t.Fatalf("%d draft tasks left after confirming", left)
		}

		during := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			name  string
			task  uint
			want  uint
			named bool
		}{
			{"T01 to its deputy", k.d.Task.ID, k.owner, true},
			{"T03 to its deputy", t03.ID, k.other, true},
			{"T04, not chosen, to its person in charge", t04.ID, k.owner, false},
		} {
			in, err := models.StandInFor(s.DB, c.task, me, during)
			if err != nil {
				t.Fatal(err)
			}
			if in == nil || in.Person == nil || in.Person.ID != c.want || in.Named != c.named {
				t.Fatalf("%s: stand-in %+v", c.name, in)
			}
		}
	})
}
