package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"taskbot/importer"
	"taskbot/models"
)

// ReminderWriter renders reminders into the outbox inside the caller's
// transaction (the bot implements it).
type ReminderWriter interface {
	// Reminder queues one reminder under key and says whether it did: it
	// does not for someone unreachable or with nothing left to report.
	Reminder(tx *gorm.DB, d *models.TaskDetail, p *models.Person, kind models.ReminderKind, key string) (bool, error)
	// Escalation tells a leader that attendants have not reported.
	Escalation(tx *gorm.DB, d *models.TaskDetail, leader *models.Person, silent []models.Person, slots int, key string) error
}

// SummaryWriter renders a person's daily summary into the outbox inside
// the caller's transaction (the bot implements it).
type SummaryWriter interface {
	Summary(tx *gorm.DB, p *models.Person, key string) (bool, error)
	// AdminSummary sends the summary of every task to an admin's chat.
	AdminSummary(tx *gorm.DB, chatID int64, key string) (bool, error)
}

// WeeklyWriter renders weekly digests (周报) into the outbox inside the
// caller's transaction (the bot implements it). week names the ISO week
// (2026-W14): a chat gets one digest per week, whatever fires twice.
type WeeklyWriter interface {
	Weekly(tx *gorm.DB, p *models.Person, week, key string) (bool, error)
	AdminWeekly(tx *gorm.DB, chatID int64, week, key string) (bool, error)
}

// Reminders sends each task's attendants their reminders on schedule,
// follows up once when nobody reported, and tells the leader after
// EscalateAfter silent slots. Every decision is made in the database: a
// schedule's next slot is advanced in the transaction that queues it.
type Reminders struct {
	Store  *models.Store
	Writer ReminderWriter
	// DefaultSpec is the schedule of tasks without their own.
	DefaultSpec string
	// DefaultZone is the zone of people who have not chosen one.
	DefaultZone *time.Location
	// Workdays makes reminders follow the work calendar.
	Workdays bool
	// CatchUp is how late a missed slot may still be sent after downtime.
	CatchUp time.Duration
	// FollowUp is how long after a slot nobody's report brings a second
	// reminder.
	FollowUp time.Duration
	// EscalateAfter is how many slots in a row without a report make the
	// leader hear of it.
	EscalateAfter int
	// Summaries, when set, sends each leader and person in charge a daily
	// summary at SummaryAt ("18:00") or their own time, in their zone.
	Summaries SummaryWriter
	SummaryAt string
	// Admins are the chats that get the summary of every task daily.
	Admins []int64
	// Weekly, when set, sends the leaders, persons in charge and admins a
	// weekly digest on WeeklySpec (a cron spec from WeeklySpec), in their
	// zone.
	Weekly     WeeklyWriter
	WeeklySpec string
	// Interval is how often Run looks for due work.
	Interval time.Duration
	Logger   *slog.Logger
	// Enqueued is called after a transaction queued messages.
	Enqueued func()
	// Metrics, when set, counts what was sent and what failed.
	Metrics *Metrics
	// Progress, when set, hears how far RemindNow has come, in tasks.
	Progress func(done, total int)
}

// Run ticks until ctx ends.
func (r *Reminders) Run(ctx context.Context) error {
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Error("reminder round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.Interval):
		}
	}
}

// Tick does whatever is due now: schedules in step with the task list,
// slots due, follow-ups due.
func (r *Reminders) Tick(ctx context.Context) error {
	cal, err := LoadCalendar(ctx, r.Store)
	if err != nil {
		return err
	}
	if err := r.syncSchedules(ctx, cal); err != nil {
		return err
	}
	if err := r.fireDue(ctx, cal); err != nil {
		return err
	}
	return r.followUps(ctx)
}

// LoadCalendar reads the work calendar from the store.
func LoadCalendar(ctx context.Context, store *models.Store) (*Calendar, error) {
	var rows []models.CalendarDay
	if err := store.DB.WithContext(ctx).Order("day").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	days := make([]CalendarDay, len(rows))
	for i, d := range rows {
		days[i] = CalendarDay{Date: d.Day, Kind: DayKind(d.Kind), Name: d.Name}
	}
	return NewCalendar(days)
}

func (r *Reminders) zone(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return r.DefaultZone
}

// syncSchedules keeps the stored schedules in step with the task list:
// a reminder schedule for every bound attendant of every open task and,
// with Summaries, a summary schedule for every bound leader and person in
// charge and for every admin chat.
func (r *Reminders) syncSchedules(ctx context.Context, cal *Calendar) error {
	db := r.Store.DB.WithContext(ctx)
	var attendants []struct {
		TaskID   uint
		PersonID uint
		Spec     string
		TimeZone string
	}
	err := db.Table("assignments a").Select("a.task_id, a.person_id, t.schedule AS spec, p.time_zone").
		Joins("JOIN tasks t ON t.id = a.task_id").Joins("JOIN people p ON p.id = a.person_id").
		Where("a.role = ? AND t.done = ? AND p.telegram_id IS NOT NULL", models.RoleAttendant, false).
		Scan(&attendants).Error
	if err != nil {
		return fmt.Errorf("attendants to remind: %w", err)
	}
	reminders := make([]models.Schedule, 0, len(attendants))
	for _, a := range attendants {
		spec := a.Spec
		if spec == "" {
			spec = r.DefaultSpec
		}
		reminders = append(reminders, models.Schedule{TaskID: a.TaskID, PersonID: a.PersonID, Spec: spec, TimeZone: r.zone(a.TimeZone).String()})
	}
	if err := r.reconcile(ctx, models.ScheduleReminder, reminders, cal); err != nil {
		return err
	}
	if r.Summaries == nil {
		return nil
	}
	var readers []models.Person
	err = db.Where("telegram_id IS NOT NULL AND id IN (?)", db.Table("assignments a").Select("a.person_id").
		Joins("JOIN tasks t ON t.id = a.task_id").Where("a.role IN ? AND t.done = ?", []models.Role{models.RoleLeader, models.RoleOwner}, false)).
		Find(&readers).Error
	if err != nil {
		return fmt.Errorf("people to summarise: %w", err)
	}
	var summaries []models.Schedule
	for _, p := range readers {
		at := p.SummaryAt
		if at == "" {
			at = r.SummaryAt
		}
		spec, err := SummarySpec(at)
		if err != nil {
			r.Logger.Error("bad summary time", "person_id", p.ID, "at", at, "err", err)
			continue
		}
		summaries = append(summaries, models.Schedule{PersonID: p.ID, Spec: spec, TimeZone: r.zone(p.TimeZone).String()})
	}
	if err := r.reconcile(ctx, models.ScheduleSummary, summaries, cal); err != nil {
		return err
	}
	spec, err := SummarySpec(r.SummaryAt)
	if err != nil {
		return fmt.Errorf("summary time %q: %w", r.SummaryAt, err)
	}
	admins := make([]models.Schedule, len(r.Admins))
	for i, chat := range r.Admins {
		admins[i] = models.Schedule{ChatID: chat, Spec: spec, TimeZone: r.DefaultZone.String()}
	}
	if err := r.reconcile(ctx, models.ScheduleAdminSummary, admins, cal); err != nil {
		return err
	}
	var weekly, adminWeekly []models.Schedule
	if r.Weekly != nil && r.WeeklySpec != "" {
		for _, p := range readers {
			weekly = append(weekly, models.Schedule{PersonID: p.ID, Spec: r.WeeklySpec, TimeZone: r.zone(p.TimeZone).String()})
		}
		for _, chat := range r.Admins {
			adminWeekly = append(adminWeekly, models.Schedule{ChatID: chat, Spec: r.WeeklySpec, TimeZone: r.DefaultZone.String()})
		}
	}
	if err := r.reconcile(ctx, models.ScheduleWeekly, weekly, cal); err != nil {
		return err
	}
	return r.reconcile(ctx, models.ScheduleAdminWeekly, adminWeekly, cal)
}

// WeeklySpec is the cron spec of a weekly digest at "Fri 17:00": a day of
// the week (Mon to Sun, in English or as 周一 to 周日) and HH:MM.
func WeeklySpec(at string) (string, error) {
	day, hhmm, ok := strings.Cut(strings.TrimSpace(at), " ")
	n, known := weekdays[strings.ToLower(day)]
	if !ok || !known {
		return "", fmt.Errorf("weekly time %q: want a day and HH:MM, e.g. \"Fri 17:00\"", at)
	}
	daily, err := SummarySpec(strings.TrimSpace(hhmm))
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(daily, "*") + fmt.Sprint(n), nil
}

var weekdays = map[string]int{
	"sun": 0, "sunday": 0, "周日": 0, "周天": 0, "星期日": 0, "星期天": 0,
	"mon": 1, "monday": 1, "周一": 1, "星期一": 1,
	"tue": 2, "tuesday": 2, "周二": 2, "星期二": 2,
	"wed": 3, "wednesday": 3, "周三": 3, "星期三": 3,
	"thu": 4, "thursday": 4, "周四": 4, "星期四": 4,
	"fri": 5, "friday": 5, "周五": 5, "星期五": 5,
	"sat": 6, "saturday": 6, "周六": 6, "星期六": 6,
}

// SummarySpec is the cron spec of a daily summary at "HH:MM".
func SummarySpec(hhmm string) (string, error) {
	if _, err := DailyAt(hhmm, time.UTC); err != nil {
		return "", err
	}
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		return "", fmt.Errorf("summary time %q: %w", hhmm, err)
	}
	return fmt.Sprintf("%d %d * * *", m, h), nil
}

type scheduleKey struct {
	task, person uint
	chat         int64
}

func keyOf(s models.Schedule) scheduleKey { return scheduleKey{s.TaskID, s.PersonID, s.ChatID} }

// reconcile makes the stored schedules of kind exactly wanted. A new one,
// or one whose spec or zone changed, starts at its first slot after now;
// the others keep their next slot, so nothing due is skipped or repeated.
func (r *Reminders) reconcile(ctx context.Context, kind models.ScheduleKind, wanted []models.Schedule, cal *Calendar) error {
	db := r.Store.DB.WithContext(ctx)
	var have []models.Schedule
	if err := db.Where("kind = ?", kind).Find(&have).Error; err != nil {
		return fmt.Errorf("load %s schedules: %w", kind, err)
	}
	existing := make(map[scheduleKey]models.Schedule, len(have))
	for _, s := range have {
		existing[keyOf(s)] = s
	}
	now := r.Store.Now()
	for _, w := range wanted {
		k := keyOf(w)
		cur, ok := existing[k]
		delete(existing, k)
		if ok && cur.Spec == w.Spec && cur.TimeZone == w.TimeZone {
			continue
		}
		first, err := First(Schedule{Spec: w.Spec, Location: r.zone(w.TimeZone)}, now, cal, r.Workdays)
		if err != nil {
			r.Logger.Error("schedule cannot fire", "kind", kind, "task_id", w.TaskID, "person_id", w.PersonID, "spec", w.Spec, "err", err)
			continue
		}
		w.Kind, w.NextWall, w.NextFireAt = kind, first.Wall.String(), first.At
		err = db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "kind"}, {Name: "task_id"}, {Name: "person_id"}, {Name: "chat_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"spec", "time_zone", "next_wall", "next_fire_at", "updated_at"}),
		}).Create(&w).Error
		if err != nil {
			return fmt.Errorf("store %s schedule %+v: %w", kind, k, err)
		}
	}
	for _, gone := range existing {
		if err := db.Delete(&models.Schedule{}, gone.ID).Error; err != nil {
			return fmt.Errorf("drop schedule %d: %w", gone.ID, err)
		}
	}
	return nil
}

func (r *Reminders) fireDue(ctx context.Context, cal *Calendar) error {
	for {
		var due []models.Schedule
		err := r.Store.DB.WithContext(ctx).Where("next_fire_at <= ?", r.Store.Now()).
			Order("next_fire_at, id").Limit(200).Find(&due).Error
		if err != nil {
			return fmt.Errorf("due schedules: %w", err)
		}
		// Several schedules per transaction: with synchronous commits,
		// the commit is most of a reminder's cost.
		for start := 0; start < len(due); start += fireBatch {
			batch := due[start:min(start+fireBatch, len(due))]
			queued := false
			var sentKinds []models.ScheduleKind
			err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
				queued, sentKinds = false, sentKinds[:0]
				for _, s := range batch {
					sent, err := r.fire(tx, s, cal)
					if err != nil {
						return err
					}
					if sent {
						sentKinds = append(sentKinds, s.Kind)
					}
					queued = queued || sent
				}
				return nil
			})
			if err != nil {
				// The batch rolled back: each of its schedules is tried
				// again on the next round.
				for _, s := range batch {
					r.Metrics.count(s.Kind, "failed")
				}
				return err
			}
			for _, k := range sentKinds {
				r.Metrics.count(k, "sent")
			}
			if queued && r.Enqueued != nil {
				r.Enqueued()
			}
		}
		if len(due) < 200 {
			return nil
		}
	}
}

const fireBatch = 50

// fire handles one due schedule inside tx and says whether it queued a
// reminder. The schedule row is advanced only if it still holds the slot
// this process read, so that two processes on one database send a slot
// once.
func (r *Reminders) fire(tx *gorm.DB, s models.Schedule, cal *Calendar) (bool, error) {
	wall, err := ParseWall(s.NextWall)
	if err != nil {
		return false, fmt.Errorf("schedule %d: %w", s.ID, err)
	}
	loc := r.zone(s.TimeZone)
	sched := Schedule{Spec: s.Spec, Location: loc}
	now := r.Store.Now()
	adv, err := Due(sched, Slot{Wall: wall, At: s.NextFireAt}, now, r.CatchUp, cal, r.Workdays)
	if err != nil {
		return false, fmt.Errorf("schedule %d: %w", s.ID, err)
	}
	res := tx.Model(&models.Schedule{}).Where("id = ? AND next_wall = ?", s.ID, s.NextWall).
		Updates(map[string]any{"next_wall": adv.Next.Wall.String(), "next_fire_at": adv.Next.At})
	if res.Error != nil {
		return false, fmt.Errorf("advance schedule %d: %w", s.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil // another process took this slot
	}
	if n := len(adv.Skipped); n > 0 {
		// One line however long the downtime: thousands of missed slots
		// must not flood the log or the audit trail.
		latest := adv.Skipped[n-1]
		detail := fmt.Sprintf("%d missed slot(s) skipped, latest %s %s", max(adv.SkippedTotal, n), latest.Wall.String(), loc.String())
		r.Logger.Warn("missed reminder slots skipped", "task_id", s.TaskID, "person_id", s.PersonID, "count", max(adv.SkippedTotal, n),
			"latest", latest.Wall.String(), "late", now.Sub(latest.At).Round(time.Minute))
		if err := models.Audit(tx, &s.PersonID, &s.TaskID, "reminder_skipped", detail); err != nil {
			return false, err
		}
	}
	if adv.Send == nil {
		return false, nil
	}
	if s.Kind == models.ScheduleAdminSummary {
		if r.Summaries == nil {
			return false, nil
		}
		return r.Summaries.AdminSummary(tx, s.ChatID, fmt.Sprintf("admin-summary:%d:%s", s.ChatID, adv.Send.Wall.String()))
	}
	if s.Kind == models.ScheduleWeekly || s.Kind == models.ScheduleAdminWeekly {
		return r.fireWeekly(tx, s, adv.Send.Wall)
	}
	if s.Kind == models.ScheduleSummary {
		if r.Summaries == nil {
			return false, nil
		}
		var p models.Person
		if err := tx.Take(&p, s.PersonID).Error; err != nil {
			return false, fmt.Errorf("person %d: %w", s.PersonID, err)
		}
		sent, err := r.Summaries.Summary(tx, &p, fmt.Sprintf("summary:%d:%s", p.ID, adv.Send.Wall.String()))
		if err != nil || !sent {
			return false, err
		}
		return true, models.Audit(tx, &p.ID, nil, "summary", adv.Send.Wall.String())
	}
	return r.remind(tx, s.TaskID, s.PersonID, models.ReminderSlot, adv.Send.Wall.String(), adv.Send.At)
}

// fireWeekly queues a weekly digest, keyed by the ISO week of its slot's
// local day so that a make-up working day in the same week sends nothing
// more.
func (r *Reminders) fireWeekly(tx *gorm.DB, s models.Schedule, wall Wall) (bool, error) {
	if r.Weekly == nil {
		return false, nil
	}
	week := models.ISOWeek(time.Date(wall.Year, wall.Month, wall.Day, 0, 0, 0, 0, time.UTC))
	if s.Kind == models.ScheduleAdminWeekly {
		return r.Weekly.AdminWeekly(tx, s.ChatID, week, fmt.Sprintf("admin-weekly:%d:%s", s.ChatID, week))
	}
	var p models.Person
	if err := tx.Take(&p, s.PersonID).Error; err != nil {
		return false, fmt.Errorf("person %d: %w", s.PersonID, err)
	}
	sent, err := r.Weekly.Weekly(tx, &p, week, fmt.Sprintf("weekly:%d:%s", p.ID, week))
	if err != nil || !sent {
		return false, err
	}
	return true, models.Audit(tx, &p.ID, nil, "weekly", week)
}

// remind queues one reminder and records it; a slot key already recorded
// queues nothing.
func (r *Reminders) remind(tx *gorm.DB, taskID, personID uint, kind models.ReminderKind, slotKey string, slotAt time.Time) (bool, error) {
	d, p, err := taskAndPerson(tx, taskID, personID)
	if err != nil {
		return false, err
	}
	key := fmt.Sprintf("remind:%s:%d:%d:%s", kind, taskID, personID, slotKey)
	sent, err := r.Writer.Reminder(tx, d, p, kind, key)
	if err != nil || !sent {
		return false, err
	}
	rem := models.Reminder{TaskID: taskID, PersonID: personID, Kind: kind, SlotKey: slotKey, SlotAt: slotAt}
	if kind == models.ReminderSlot {
		at := slotAt.Add(r.FollowUp)
		rem.FollowUpAt = &at
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rem).Error; err != nil {
		return false, fmt.Errorf("record reminder: %w", err)
	}
	if err := models.Audit(tx, &personID, &taskID, "reminder_"+string(kind), slotKey); err != nil {
		return false, err
	}
	return true, nil
}

func taskAndPerson(tx *gorm.DB, taskID, personID uint) (*models.TaskDetail, *models.Person, error) {
	var task models.Task
	if err := tx.Take(&task, taskID).Error; err != nil {
		return nil, nil, fmt.Errorf("task %d: %w", taskID, err)
	}
	d, err := models.TaskByCode(tx, task.Code)
	if err != nil {
		return nil, nil, err
	}
	var p models.Person
	if err := tx.Take(&p, personID).Error; err != nil {
		return nil, nil, fmt.Errorf("person %d: %w", personID, err)
	}
	return d, &p, nil
}

// followUps first closes the follow-ups no longer needed, then sends the
// one follow-up of each slot nobody reported on, and tells the leaders when
// the silence has lasted EscalateAfter slots.
func (r *Reminders) followUps(ctx context.Context) error {
	db := r.Store.DB.WithContext(ctx)
	if _, err := models.SettleFollowUps(db); err != nil {
		return err
	}
	due, err := models.DueFollowUps(db, r.Store.Now(), 500)
	if err != nil {
		return err
	}
	for _, rem := range due {
		queued, sentOne := false, false
		err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
			// A report may have come in since the sweep above.
			if settled, err := models.SettleFollowUps(tx, rem.ID); err != nil || settled > 0 {
				return err
			}
			if took, err := models.TakeFollowUp(tx, rem.ID); err != nil || !took {
				return err
			}
			sent, err := r.remind(tx, rem.TaskID, rem.PersonID, models.ReminderFollowUp, rem.SlotKey, rem.SlotAt)
			if err != nil {
				return err
			}
			escalated, err := r.escalate(tx, rem.TaskID)
			queued, sentOne = sent || escalated, sent
			return err
		})
		if err != nil {
			r.Metrics.countReminder(models.ReminderFollowUp, "failed", 1)
			return err
		}
		if sentOne {
			r.Metrics.countReminder(models.ReminderFollowUp, "sent", 1)
		}
		if queued && r.Enqueued != nil {
			r.Enqueued()
		}
	}
	return nil
}

// escalate tells the task's leaders once per silence that its attendants
// missed EscalateAfter slots in a row.
func (r *Reminders) escalate(tx *gorm.DB, taskID uint) (bool, error) {
	if r.EscalateAfter <= 0 {
		return false, nil
	}
	var last models.Report
	since := time.Time{}
	lastID := uint(0)
	err := tx.Where("task_id = ?", taskID).Order("id DESC").Take(&last).Error
	switch {
	case err == nil:
		since, lastID = last.CreatedAt, last.ID
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return false, fmt.Errorf("last report of task %d: %w", taskID, err)
	}
	var slots int64
	err = tx.Model(&models.Reminder{}).Where("task_id = ? AND kind = ? AND slot_at > ?", taskID, models.ReminderSlot, since).
		Distinct("slot_key").Count(&slots).Error
	if err != nil {
		return false, fmt.Errorf("silent slots of task %d: %w", taskID, err)
	}
	if slots < int64(r.EscalateAfter) {
		return false, nil
	}
	d, err := taskDetail(tx, taskID)
	if err != nil {
		return false, err
	}
	var silent []models.Person
	for _, a := range d.Attendants {
		var n int64
		if err := tx.Model(&models.Report{}).Where("task_id = ? AND person_id = ? AND created_at > ?", taskID, a.ID, since).Count(&n).Error; err != nil {
			return false, err
		}
		if n == 0 {
			silent = append(silent, a)
		}
	}
	for _, leader := range d.Leaders {
		key := fmt.Sprintf("escalate:%d:%d:%d", taskID, lastID, leader.ID)
		if err := r.Writer.Escalation(tx, d, &leader, silent, int(slots), key); err != nil {
			return false, err
		}
	}
	if err := models.Audit(tx, nil, &taskID, "escalation", fmt.Sprintf("%d slots without a report", slots)); err != nil {
		return false, err
	}
	return true, nil
}

func taskDetail(tx *gorm.DB, taskID uint) (*models.TaskDetail, error) {
	var task models.Task
	if err := tx.Take(&task, taskID).Error; err != nil {
		return nil, fmt.Errorf("task %d: %w", taskID, err)
	}
	return models.TaskByCode(tx, task.Code)
}

// RemindNow queues a reminder round at once, for one task (by code) or for
// every open task, outside any schedule. It returns how many reminders it
// queued.
func (r *Reminders) RemindNow(ctx context.Context, code string, byPerson *uint) (int, error) {
	q := r.Store.DB.WithContext(ctx).Model(&models.Task{}).Where("done = ?", false)
	if code != "" {
		q = q.Where("code = ?", code)
	}
	var tasks []models.Task
	if err := q.Order("code").Find(&tasks).Error; err != nil {
		return 0, fmt.Errorf("tasks to remind: %w", err)
	}
	if code != "" && len(tasks) == 0 {
		return 0, fmt.Errorf("task %s: %w", code, models.ErrNotFound)
	}
	count := 0
	for i, task := range tasks {
		n := 0
		err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			n, err = r.RemindTask(tx, task.ID, byPerson)
			return err
		})
		if err != nil {
			r.Metrics.countReminder(models.ReminderManual, "failed", 1)
			return count, err
		}
		count += n
		r.Metrics.countReminder(models.ReminderManual, "sent", n)
		if r.Progress != nil {
			r.Progress(i+1, len(tasks))
		}
	}
	if count > 0 && r.Enqueued != nil {
		r.Enqueued()
	}
	return count, nil
}

// RemindTask queues a reminder about one task to each of its attendants
// inside tx (催办), and records who asked for it.
func (r *Reminders) RemindTask(tx *gorm.DB, taskID uint, byPerson *uint) (int, error) {
	d, err := taskDetail(tx, taskID)
	if err != nil {
		return 0, err
	}
	now := tx.NowFunc()
	slotKey := now.UTC().Format("2006-01-02T15:04:05.000Z")
	count := 0
	for _, a := range d.Attendants {
		sent, err := r.remind(tx, taskID, a.ID, models.ReminderManual, slotKey, now)
		if err != nil {
			return count, err
		}
		if sent {
			count++
		}
	}
	return count, models.Audit(tx, byPerson, &taskID, "remind_now", fmt.Sprintf("%d reminders", count))
}

// ValidSpec checks a default schedule the same way the import checks a
// task's own.
func ValidSpec(spec string) error {
	_, err := importer.ParseSchedule(spec)
	return err
}
