package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"taskbot/importer"
	"taskbot/models"
	"taskbot/watchdog"
)

// ReminderWriter renders reminders into the outbox inside the caller's
// transaction (the bot implements it).
type ReminderWriter interface {
	// Reminder adds one reminder under key to q, which the caller writes
	// in tx with the rest of its round, and says whether it did: it does
	// not for someone unreachable or with nothing left to report.
	// facts are the task's light facts, read once for the whole round.
	// standIn, when set, says p is reminded for someone away; by, when
	// set, is who asked for a manual reminder (催办), whom it names.
	Reminder(tx *gorm.DB, q *models.OutboxBatch, d *models.TaskDetail, facts models.LightFacts, p *models.Person, kind models.ReminderKind, key string, standIn *models.StandIn, by *models.Person) (bool, error)
	// Escalation tells to, a leader, that attendants have not reported;
	// forLeader, when set, is the leader away for whom to (the deputy
	// their leave names) is told.
	Escalation(tx *gorm.DB, d *models.TaskDetail, to, forLeader *models.Person, silent []models.Due, slots int, key string) error
	// EscalationToAdmins tells the admins (chat ids) instead of forLeader,
	// a leader away with nobody to stand in.
	EscalationToAdmins(tx *gorm.DB, d *models.TaskDetail, admins []int64, forLeader *models.Person, silent []models.Due, slots int, key string) error
}

// GroupWriter writes to tasks' work groups inside the caller's transaction
// (the bot implements it).
type GroupWriter interface {
	// GroupReminder posts one reminder about a task in its work group,
	// naming the people due, and says whether it did: not for a task
	// with nothing left to report.
	// by, when set, is who asked for a manual reminder (催办).
	GroupReminder(tx *gorm.DB, d *models.TaskDetail, facts models.LightFacts, g models.GroupDelivery, due []models.Due, kind models.ReminderKind, slotKey string, by *models.Person) (bool, error)
	// Topic brings a task's forum topic in line with the task: its light
	// in the name, closed while the task is.
	Topic(tx *gorm.DB, d *models.TaskDetail, facts models.LightFacts, topic *models.TaskTopic) error
}

// SummaryWriter renders a person's daily summary into the outbox inside
// the caller's transaction (the bot implements it).
type SummaryWriter interface {
	Summary(tx *gorm.DB, p *models.Person, key string) (bool, error)
	// StartRound starts a round of daily summaries, prepared by the slot
	// and queued by the batch.
	StartRound() SummaryRound
	// AdminSummary sends the summary of every task to an admin's chat.
	AdminSummary(tx *gorm.DB, chatID int64, key string) (bool, error)
}

// SummaryRound is one round of daily summaries.
type SummaryRound interface {
	// Prepare builds and draws the summaries of many people at once,
	// reading db outside any transaction: drawing a round's charts takes
	// seconds of CPU, which must not hold the database.
	Prepare(ctx context.Context, db *gorm.DB, people []models.Person) (PreparedSummaries, error)
}

// PreparedSummaries are a round's summaries ready to queue.
type PreparedSummaries interface {
	// Queue queues the summaries of people (among those prepared), that
	// of people[i] under keys[i], inside tx, and says which it queued.
	Queue(tx *gorm.DB, people []models.Person, keys []string) ([]bool, error)
}

// WeeklyWriter renders weekly digests (周报) into the outbox inside the
// caller's transaction (the bot implements it). week names the ISO week
// (2026-W14): a chat gets one digest per week, whatever fires twice.
type WeeklyWriter interface {
	Weekly(tx *gorm.DB, p *models.Person, week, key string) (bool, error)
	AdminWeekly(tx *gorm.DB, chatID int64, week, key string) (bool, error)
}

// PeriodWriter tells, when a period has just been frozen, each leader
// their figures and the admins the district's, into the outbox inside the
// caller's transaction (the bot implements it). It says how many chats it
// wrote to.
type PeriodWriter interface {
	PeriodFrozen(tx *gorm.DB, snap *models.PeriodSnapshot, admins []int64) (int, error)
}

// Reminders sends each task's attendants their reminders on schedule,
// follows up once when nobody reported, and tells the leader after
// EscalateAfter silent slots. Every decision is made in the database: a
// schedule's next slot is advanced in the transaction that queues it.
type Reminders struct {
	Store  *models.Store
	Writer ReminderWriter
	// Groups, when set, reminds the tasks bound to a work group there
	// (as their delivery says) and keeps their topics in step.
	Groups GroupWriter
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
	// Periods, when set, hears of each period frozen at its end (Tick
	// freezes them, in DefaultZone's calendar, whether or not it is set).
	Periods PeriodWriter
	// Returns, when set, tells each person whose leave ran to its end what
	// their deputies reported for them.
	Returns ReturnWriter
	// Interval is how often Run looks for due work.
	Interval time.Duration
	Logger   *slog.Logger
	// Enqueued is called after a transaction queued messages.
	Enqueued func()
	// Metrics, when set, counts what was sent and what failed.
	Metrics *Metrics
	// Watch, when set, is told of each round (watchdog).
	Watch *watchdog.Part

	// syncedInputs and syncedAt are the fingerprint of the last
	// reconcile's inputs and when it ran (see syncIfChanged).
	syncMu       sync.Mutex
	syncedInputs string
	syncedAt     time.Time
	// Progress, when set, hears how far RemindNow has come, in tasks.
	Progress func(done, total int)

	// frozenThrough is the district's last day (Unix seconds) on which
	// every period ended by then was found frozen: looking again the same
	// day finds nothing new to freeze, and costs a scan of the milestones.
	frozenThrough atomic.Int64
}

// Run ticks until ctx ends: every Interval, and at the moment the next
// slot or follow-up falls due, so that a slot is queued on time rather
// than up to an Interval late.
func (r *Reminders) Run(ctx context.Context) error {
	defer r.Watch.Running()()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Error("reminder round failed", "err", err)
		}
		r.Watch.Beat()
		wait := r.Interval
		if next, err := r.nextDue(ctx); err != nil {
			if ctx.Err() == nil {
				r.Logger.Error("next due time", "err", err)
			}
		} else if !next.IsZero() {
			wait = min(wait, max(next.Sub(r.Store.Now()), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// nextDue is the earliest moment a schedule or follow-up falls due; zero
// when nothing is pending. Both columns are indexed: two index seeks.
func (r *Reminders) nextDue(ctx context.Context) (time.Time, error) {
	db := r.Store.DB.WithContext(ctx)
	var next time.Time
	for _, q := range []struct {
		model  any
		column string
	}{{&models.Schedule{}, "next_fire_at"}, {&models.Reminder{}, "follow_up_at"}} {
		var at []time.Time
		err := db.Model(q.model).Where(q.column+" IS NOT NULL").Order(q.column).Limit(1).Pluck(q.column, &at).Error
		if err != nil {
			return time.Time{}, fmt.Errorf("next due time: %w", err)
		}
		if len(at) > 0 && (next.IsZero() || at[0].Before(next)) {
			next = at[0]
		}
	}
	return next, nil
}

// Tick does whatever is due now: schedules in step with the task list,
// slots due, follow-ups due.
func (r *Reminders) Tick(ctx context.Context) error {
	cal, err := LoadCalendar(ctx, r.Store)
	if err != nil {
		return err
	}
	if err := r.syncIfChanged(ctx, cal); err != nil {
		return err
	}
	if err := r.fireDue(ctx, cal); err != nil {
		return err
	}
	if err := r.followUps(ctx); err != nil {
		return err
	}
	if err := r.returns(ctx); err != nil {
		return err
	}
	if err := r.periods(ctx); err != nil {
		return err
	}
	// The hourly mend comes after what is due: on a slot's tick, a city's
	// full reconcile would hold its 30,000 reminders back by its length.
	return r.mendHourly(ctx, cal)
}

// announceWithin is how many days after a period's end its leaders and
// admins are still told of its frozen figures: a period found ended later
// (the bot was down, or assessment is new to a database with years of
// quarters) is frozen without a message for each.
const announceWithin = 7

// periods freezes the periods ended by the district's today, once each,
// and tells each leader and admin of a period frozen (by this tick or by
// any reader) once, through the outbox.
func (r *Reminders) periods(ctx context.Context) error {
	now := r.Store.Now()
	today := models.Today(now, r.DefaultZone)
	queued := false
	err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
		queued = false
		if r.frozenThrough.Load() != today.Unix() {
			took, err := models.FreezeEnded(tx, today, r.DefaultZone, now)
			if err != nil {
				return err
			}
			for _, snap := range took {
				r.Logger.Info("period frozen", "period", snap.PeriodKey, "first_day", snap.FirstDay.Format(time.DateOnly),
					"last_day", snap.LastDay.Format(time.DateOnly))
			}
		}
		if r.Periods == nil {
			return nil
		}
		snaps, err := models.UnannouncedSnapshots(tx)
		if err != nil {
			return err
		}
		for _, snap := range snaps {
			won, err := models.MarkAnnounced(tx, snap.ID, now)
			if err != nil {
				return err
			}
			if !won {
				continue // another instance told them
			}
			if today.After(snap.LastDay.UTC().AddDate(0, 0, announceWithin)) {
				if err := models.Audit(tx, nil, nil, "period_not_announced", fmt.Sprintf("%s ended %s, more than %d days ago",
					snap.PeriodKey, snap.LastDay.UTC().Format(time.DateOnly), announceWithin)); err != nil {
					return err
				}
				continue
			}
			n, err := r.Periods.PeriodFrozen(tx, &snap, r.Admins)
			if err != nil {
				return err
			}
			queued = queued || n > 0
			if err := models.Audit(tx, nil, nil, "period_announced", fmt.Sprintf("%s: %d chat(s)", snap.PeriodKey, n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("periods: %w", err)
	}
	r.frozenThrough.Store(today.Unix())
	if queued && r.Enqueued != nil {
		r.Enqueued()
	}
	return nil
}

// LoadCalendar reads the work calendar from the store.
func LoadCalendar(ctx context.Context, store *models.Store) (*Calendar, error) {
	return ReadCalendar(store.DB.WithContext(ctx))
}

// ReadCalendar reads the work calendar within tx.
func ReadCalendar(tx *gorm.DB) (*Calendar, error) {
	var rows []models.CalendarDay
	if err := tx.Order("day").Find(&rows).Error; err != nil {
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
		if loc, ok := zones.Load(name); ok {
			return loc.(*time.Location)
		}
		if loc, err := time.LoadLocation(name); err == nil {
			zones.Store(name, loc)
			return loc
		}
	}
	return r.DefaultZone
}

// zones keeps each time zone loaded once: time.LoadLocation reads and
// parses the zone's file on every call, and a sync of a city's schedules
// asks for one per attendant.
var zones sync.Map

// fullSyncEvery is how often the schedules are reconciled even when
// nothing they derive from seems to have changed: a safety net for a change
// made behind the fingerprint's back (a hand-edited row).
const fullSyncEvery = time.Hour

// syncIfChanged reconciles the schedules when what they derive from has
// changed since the last reconcile (see scheduleInputs). Reloading every
// schedule of a city each tick was most of an idle bot's CPU and
// allocations.
func (r *Reminders) syncIfChanged(ctx context.Context, cal *Calendar) error {
	inputs, err := scheduleInputs(r.Store.DB.WithContext(ctx))
	if err != nil {
		return err
	}
	now := r.Store.Now()
	r.syncMu.Lock()
	fresh := inputs == r.syncedInputs && now.After(r.syncedAt)
	r.syncMu.Unlock()
	if fresh {
		return nil
	}
	return r.sync(ctx, cal, now)
}

// mendHourly reconciles the schedules when the last reconcile is an hour
// old (fullSyncEvery), whatever the fingerprint says.
func (r *Reminders) mendHourly(ctx context.Context, cal *Calendar) error {
	now := r.Store.Now()
	r.syncMu.Lock()
	fresh := now.Sub(r.syncedAt) < fullSyncEvery && now.After(r.syncedAt)
	r.syncMu.Unlock()
	if fresh {
		return nil
	}
	return r.sync(ctx, cal, now)
}

// sync reconciles the schedules and remembers the fingerprint they now
// follow.
func (r *Reminders) sync(ctx context.Context, cal *Calendar, now time.Time) error {
	if err := r.syncSchedules(ctx, cal); err != nil {
		return err
	}
	// Read after the reconcile: its own writes change the count of
	// schedules, which is part of the fingerprint.
	inputs, err := scheduleInputs(r.Store.DB.WithContext(ctx))
	if err != nil {
		return err
	}
	r.syncMu.Lock()
	r.syncedInputs, r.syncedAt = inputs, now
	r.syncMu.Unlock()
	return nil
}

// scheduleInputs fingerprints, in one query, what the schedules derive
// from: the assignments, the tasks (closed, schedule specs), the people
// (bound, time zones, summary times), the calendar and the schedules
// themselves. Every change of these bumps a count or an updated_at.
func scheduleInputs(db *gorm.DB) (string, error) {
	var v [9]sql.NullString
	err := db.Raw(`SELECT (SELECT COUNT(*) FROM assignments), (SELECT MAX(id) FROM assignments),
  (SELECT COUNT(*) FROM tasks WHERE done), (SELECT MAX(updated_at) FROM tasks),
  (SELECT COUNT(telegram_id) FROM people), (SELECT MAX(updated_at) FROM people),
  (SELECT COUNT(*) FROM calendar_days), (SELECT MAX(created_at) FROM calendar_days),
  (SELECT COUNT(*) FROM schedules)`).Row().Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8])
	if err != nil {
		return "", fmt.Errorf("schedule inputs: %w", err)
	}
	var b strings.Builder
	for _, s := range v {
		b.WriteString(s.String)
		b.WriteByte('|')
	}
	return b.String(), nil
}

// syncSchedules keeps the stored schedules in step with the task list:
// a reminder schedule for every bound attendant of every open task and,
// with Summaries, a summary schedule for every bound leader and person in
// charge and for every admin chat.
func (r *Reminders) syncSchedules(ctx context.Context, cal *Calendar) error {
	db := r.Store.DB.WithContext(ctx)
	if err := r.syncReminders(ctx, cal); err != nil {
		return err
	}
	if r.Summaries == nil {
		return nil
	}
	var readers []models.Person
	err := db.Where("telegram_id IS NOT NULL AND id IN (?)", db.Table("assignments a").Select("a.person_id").
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

// syncTasks is how many tasks' reminder schedules are reconciled at a
// time: a city's 30,000 at once made a sync's peak memory several times
// what the idle bot needs, and the process kept it.
const syncTasks = 2000

// syncReminders keeps a reminder schedule for every bound attendant of
// every open task, syncTasks tasks at a time.
func (r *Reminders) syncReminders(ctx context.Context, cal *Calendar) error {
	db := r.Store.DB.WithContext(ctx)
	var last struct{ Task, Scheduled sql.NullInt64 }
	err := db.Raw(`SELECT (SELECT MAX(id) FROM tasks) AS task, (SELECT MAX(task_id) FROM schedules WHERE kind = ?) AS scheduled`,
		models.ScheduleReminder).Scan(&last).Error
	if err != nil {
		return fmt.Errorf("last task to remind: %w", err)
	}
	end := uint(max(last.Task.Int64, last.Scheduled.Int64))
	for from := uint(0); from <= end; from += syncTasks {
		var attendants []struct {
			TaskID   uint
			PersonID uint
			Spec     string
			TimeZone string
		}
		err := db.Table("assignments a").Select("a.task_id, a.person_id, t.schedule AS spec, p.time_zone").
			Joins("JOIN tasks t ON t.id = a.task_id").Joins("JOIN people p ON p.id = a.person_id").
			Where("a.role = ? AND t.done = ? AND p.telegram_id IS NOT NULL", models.RoleAttendant, false).
			Where("a.task_id >= ? AND a.task_id < ?", from, from+syncTasks).
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
		inRange := func(db *gorm.DB) *gorm.DB { return db.Where("task_id >= ? AND task_id < ?", from, from+syncTasks) }
		if err := r.reconcileIn(ctx, models.ScheduleReminder, inRange, reminders, cal); err != nil {
			return err
		}
	}
	return nil
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
	return r.reconcileIn(ctx, kind, func(db *gorm.DB) *gorm.DB { return db }, wanted, cal)
}

// reconcileIn is reconcile of the stored schedules that scope selects.
func (r *Reminders) reconcileIn(ctx context.Context, kind models.ScheduleKind, scope func(*gorm.DB) *gorm.DB, wanted []models.Schedule, cal *Calendar) error {
	db := r.Store.DB.WithContext(ctx)
	var have []models.Schedule
	if err := db.Scopes(scope).Where("kind = ?", kind).Find(&have).Error; err != nil {
		return fmt.Errorf("load %s schedules: %w", kind, err)
	}
	existing := make(map[scheduleKey]models.Schedule, len(have))
	for _, s := range have {
		existing[keyOf(s)] = s
	}
	now := r.Store.Now()
	var upserts []models.Schedule
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
		upserts = append(upserts, w)
	}
	gone := make([]uint, 0, len(existing))
	for _, s := range existing {
		gone = append(gone, s.ID)
	}
	if len(upserts) == 0 && len(gone) == 0 {
		return nil
	}
	// One transaction and multi-row statements: binding a city's people
	// makes tens of thousands of schedules at once.
	err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
		for batch := range slices.Chunk(upserts, 500) {
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "kind"}, {Name: "task_id"}, {Name: "person_id"}, {Name: "chat_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"spec", "time_zone", "next_wall", "next_fire_at", "updated_at"}),
			}).Create(&batch).Error
			if err != nil {
				return fmt.Errorf("store %d %s schedules: %w", len(batch), kind, err)
			}
		}
		for _, chunk := range models.IDChunks(gone) {
			if err := tx.Delete(&models.Schedule{}, chunk).Error; err != nil {
				return fmt.Errorf("drop %d %s schedules: %w", len(chunk), kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return nil
}

func (r *Reminders) fireDue(ctx context.Context, cal *Calendar) error {
	var round roundTally
	for {
		var due []models.Schedule
		err := r.Store.DB.WithContext(ctx).Where("next_fire_at <= ?", r.Store.Now()).
			Order("next_fire_at, id").Limit(duePage).Find(&due).Error
		if err != nil {
			return fmt.Errorf("due schedules: %w", err)
		}
		var reminders, summaries, others []models.Schedule
		for _, s := range due {
			switch s.Kind {
			case models.ScheduleReminder:
				reminders = append(reminders, s)
			case models.ScheduleSummary:
				summaries = append(summaries, s)
			default:
				others = append(others, s)
			}
		}
		err = r.fireReminders(ctx, reminders, cal, &round)
		if err == nil {
			err = r.fireSummaries(ctx, summaries, cal, &round)
		}
		if err == nil {
			err = r.fireEach(ctx, others, cal)
		}
		if err != nil {
			if round.count > 0 {
				// What was queued stays queued: say so in the trail.
				_ = r.auditRound(ctx, "schedule_round", nil, nil, round.detail())
			}
			return err
		}
		if len(due) < duePage {
			break
		}
	}
	if round.count == 0 {
		return nil
	}
	return r.auditRound(ctx, "schedule_round", nil, nil, round.detail())
}

// duePage is how many due schedules one read takes. Batches of a page are
// rendered while the one before is written, but a page's read and the
// rendering of its first batch wait for the page before to be written:
// at 5,000 a city's slot of 30,000 stood still six times. A page of
// schedules is a few MB while the round runs.
const duePage = 20000

// fireEach fires summaries and digests a few per transaction: each is a
// document of its own, not a row of a round.
func (r *Reminders) fireEach(ctx context.Context, due []models.Schedule, cal *Calendar) error {
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
	return nil
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
	return false, fmt.Errorf("schedule %d: %s schedules fire by the round", s.ID, s.Kind)
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

// followUps first closes the follow-ups no longer needed, then sends the
// one follow-up of each slot nobody reported on, by the batch, and tells
// the leaders when the silence has lasted EscalateAfter slots.
// staleFollowUp tells a follow-up that fell due more than catchUp before
// now, as after downtime: the same bound as for a missed slot.
func staleFollowUp(rem models.Reminder, now time.Time, catchUp time.Duration) bool {
	return rem.FollowUpAt != nil && catchUp >= 0 && now.Sub(*rem.FollowUpAt) > catchUp
}

func (r *Reminders) followUps(ctx context.Context) error {
	db := r.Store.DB.WithContext(ctx)
	if _, err := models.SettleFollowUps(db); err != nil {
		return err
	}
	var round roundTally
	for {
		due, err := models.DueFollowUps(db, r.Store.Now(), roundBatch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			break
		}
		sent, escalated := 0, false
		err = r.Store.Tx(ctx, func(tx *gorm.DB) error {
			ids := make([]uint, len(due))
			for i, rem := range due {
				ids[i] = rem.ID
			}
			// A report may have come in since the sweep above.
			if _, err := models.SettleFollowUps(tx, ids...); err != nil {
				return err
			}
			// Closing a follow-up is what makes it ours: another process
			// that read the same rows takes none of them.
			var taken []uint
			err := tx.Raw(`UPDATE reminders SET follow_up_at = NULL, follow_up_done = ?
WHERE id IN ? AND follow_up_at IS NOT NULL RETURNING id`, true, ids).Scan(&taken).Error
			if err != nil {
				return fmt.Errorf("take %d follow-ups: %w", len(ids), err)
			}
			isTaken := make(map[uint]bool, len(taken))
			for _, id := range taken {
				isTaken[id] = true
			}
			var jobs []reminderJob
			var tasks []uint
			now := r.Store.Now()
			for _, rem := range due {
				if isTaken[rem.ID] && staleFollowUp(rem, now, r.CatchUp) {
					// Like a slot missed for longer than CatchUp, a
					// follow-up that fell due long before the process was
					// back is dropped: it would arrive about a day that
					// has passed, and the next slot reminds anyway.
					detail := fmt.Sprintf("follow-up of slot %s skipped, %s late", rem.SlotAt.UTC().Format(time.RFC3339), now.Sub(*rem.FollowUpAt).Round(time.Minute))
					if err := models.Audit(tx, &rem.PersonID, &rem.TaskID, "follow_up_skipped", detail); err != nil {
						return err
					}
					continue
				}
				if isTaken[rem.ID] {
					jobs = append(jobs, reminderJob{taskID: rem.TaskID, personID: rem.PersonID, kind: models.ReminderFollowUp, slotKey: rem.SlotKey, slotAt: rem.SlotAt})
					tasks = append(tasks, rem.TaskID)
				}
			}
			sent, err = r.queueReminders(tx, nil, jobs)
			if err != nil {
				return err
			}
			slices.Sort(tasks)
			for _, taskID := range slices.Compact(tasks) {
				e, err := r.escalate(tx, taskID)
				if err != nil {
					return err
				}
				escalated = escalated || e
			}
			return nil
		})
		if err != nil {
			r.Metrics.countReminder(models.ReminderFollowUp, "failed", len(due))
			return err
		}
		r.Metrics.countReminder(models.ReminderFollowUp, "sent", sent)
		round.add(string(models.ReminderFollowUp), "", sent)
		if (sent > 0 || escalated) && r.Enqueued != nil {
			r.Enqueued()
		}
		if len(due) < roundBatch {
			break
		}
	}
	if round.count == 0 {
		return nil
	}
	return r.auditRound(ctx, "reminder_round", nil, nil, round.detail())
}

// escalate tells the task's leaders once per silence that its attendants
// missed EscalateAfter slots in a row. A leader away is not told: the
// deputy their leave names is, or with none, the admins.
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
		Where(models.NotAwayAtSlot).Distinct("slot_key").Count(&slots).Error
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
	ids := make([]uint, len(d.Attendants))
	for i, a := range d.Attendants {
		ids[i] = a.ID
	}
	away, err := models.LeavesAt(tx, ids, tx.NowFunc())
	if err != nil {
		return false, err
	}
	var silent []models.Due
	for _, a := range d.Attendants {
		due := models.Due{Person: a}
		if _, ok := away[a.ID]; ok {
			// Away: not silent themself; the deputy reminded in their
			// place is, named for them. Another attendant standing in by
			// role is counted as themself.
			in, err := models.StandInFor(tx, taskID, a.ID, tx.NowFunc())
			if err != nil {
				return false, err
			}
			if in == nil || in.Person == nil || (!in.Named && d.HasRole(in.Person.ID, models.RoleAttendant)) {
				continue
			}
			due = models.Due{Person: *in.Person, StandIn: in}
		}
		var n int64
		if err := tx.Model(&models.Report{}).Where("task_id = ? AND person_id = ? AND created_at > ?", taskID, due.Person.ID, since).Count(&n).Error; err != nil {
			return false, err
		}
		if n == 0 {
			silent = append(silent, due)
		}
	}
	for _, leader := range d.Leaders {
		key := fmt.Sprintf("escalate:%d:%d:%d", taskID, lastID, leader.ID)
		away, deputy, err := models.LeaderAway(tx, taskID, leader.ID, tx.NowFunc())
		if err != nil {
			return false, err
		}
		switch {
		case !away:
			err = r.Writer.Escalation(tx, d, &leader, nil, silent, int(slots), key)
		case deputy != nil:
			err = r.Writer.Escalation(tx, d, deputy, &leader, silent, int(slots), key)
		default:
			err = r.Writer.EscalationToAdmins(tx, d, r.Admins, &leader, silent, int(slots), key)
		}
		if err != nil {
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
// every open task, outside any schedule, a batch of tasks per transaction.
// It returns how many reminders it queued.
func (r *Reminders) RemindNow(ctx context.Context, code string, byPerson *uint) (int, error) {
	q := r.Store.DB.WithContext(ctx).Model(&models.Task{}).Where("done = ?", false)
	if code != "" {
		q = q.Where("code = ?", code)
	}
	var ids []uint
	if err := q.Order("code").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("tasks to remind: %w", err)
	}
	if code != "" && len(ids) == 0 {
		return 0, fmt.Errorf("task %s: %w", code, models.ErrNotFound)
	}
	// One moment for the whole round: its key in every reminder.
	now := r.Store.Now()
	slotKey := now.UTC().Format("2006-01-02T15:04:05.000Z")
	count, done := 0, 0
	var taskID *uint
	if code != "" {
		taskID = &ids[0]
	}
	var mu sync.Mutex
	roundErr := eachBatch(r.roundWorkers(), slices.Collect(slices.Chunk(ids, remindNowTasks)), func(batch []uint) error {
		n := 0
		err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			n, err = r.remindTasks(tx, batch, slotKey, now, byPerson)
			return err
		})
		if err != nil {
			r.Metrics.countReminder(models.ReminderManual, "failed", 1)
			return err
		}
		r.Metrics.countReminder(models.ReminderManual, "sent", n)
		mu.Lock()
		defer mu.Unlock()
		count += n
		done += len(batch)
		if r.Progress != nil {
			r.Progress(done, len(ids))
		}
		return nil
	})
	if count > 0 && r.Enqueued != nil {
		r.Enqueued()
	}
	if count > 0 || roundErr == nil {
		detail := fmt.Sprintf("%d reminders on %d of %d tasks", count, done, len(ids))
		if err := r.auditRound(ctx, "remind_now", byPerson, taskID, detail); err != nil && roundErr == nil {
			roundErr = err
		}
	}
	return count, roundErr
}

// remindNowTasks is how many tasks one transaction of RemindNow reminds
// about: a few attendants each, about roundBatch reminders.
const remindNowTasks = roundBatch / 3

// remindTasks queues a reminder about each task to each of its attendants
// inside tx, with the set of tasks read at once, naming byPerson when set.
func (r *Reminders) remindTasks(tx *gorm.DB, taskIDs []uint, slotKey string, at time.Time, byPerson *uint) (int, error) {
	details, err := models.TasksByIDs(tx, taskIDs)
	if err != nil {
		return 0, err
	}
	var by *models.Person
	if byPerson != nil {
		by = &models.Person{}
		if err := tx.Take(by, *byPerson).Error; err != nil {
			return 0, fmt.Errorf("person %d asking for reminders: %w", *byPerson, err)
		}
	}
	var jobs []reminderJob
	for _, id := range taskIDs {
		d := details[id]
		if d == nil {
			return 0, fmt.Errorf("task %d: %w", id, models.ErrNotFound)
		}
		for _, a := range d.Attendants {
			jobs = append(jobs, reminderJob{taskID: id, personID: a.ID, kind: models.ReminderManual, slotKey: slotKey, slotAt: at, by: by})
		}
	}
	return r.queueReminders(tx, details, jobs)
}

// RemindTask queues a reminder about one task to each of its attendants
// inside tx (催办), and records who asked for it.
func (r *Reminders) RemindTask(tx *gorm.DB, taskID uint, byPerson *uint) (int, error) {
	now := tx.NowFunc()
	count, err := r.remindTasks(tx, []uint{taskID}, now.UTC().Format("2006-01-02T15:04:05.000Z"), now, byPerson)
	if err != nil {
		return 0, err
	}
	return count, models.Audit(tx, byPerson, &taskID, "remind_now", fmt.Sprintf("%d reminders", count))
}

// ValidSpec checks a default schedule the same way the import checks a
// task's own.
func ValidSpec(spec string) error {
	_, err := importer.ParseSchedule(spec)
	return err
}
