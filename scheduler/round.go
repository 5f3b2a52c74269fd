package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// A reminder round is thousands of reminders at once at city scale: the
// same slot for every attendant, or `remind --now` for every task. A round
// reads what it needs by the set (tasks, people and light facts of a whole
// batch in a fixed number of queries), writes its reminder rows in batches,
// and leaves one audit row, not one per task or per reminder.

// roundBatch bounds the reminders one transaction queues: large enough
// that the commit is a small part of the cost, small enough that SQLite's
// one writer is not held for long while the bot records reports.
const roundBatch = 1000

// reminderJob is one reminder a round means to queue.
type reminderJob struct {
	taskID, personID uint
	kind             models.ReminderKind
	slotKey          string
	slotAt           time.Time
	// by is who asked for a manual reminder.
	by *models.Person
}

// queueReminders queues jobs inside tx. details holds the jobs' tasks
// (loaded by the set when nil). It returns how many reminders it queued.
func (r *Reminders) queueReminders(tx *gorm.DB, details map[uint]*models.TaskDetail, jobs []reminderJob) (int, error) {
	p, err := r.prepareReminders(tx, details, jobs)
	if err != nil {
		return 0, err
	}
	return p.write(tx)
}

// preparedReminders are a batch of reminders read and rendered, waiting
// for the transaction that writes them.
type preparedReminders struct {
	r          *Reminders
	details    map[uint]*models.TaskDetail
	facts      map[uint]models.LightFacts
	deliveries map[uint]models.GroupDelivery
	taskIDs    []uint
	// queue holds the private reminders, rows the reminder rows of those
	// rendered.
	queue models.OutboxBatch
	rows  []models.Reminder
	// A task reminded in its work group gets one message per slot there,
	// naming everyone due; each person still gets a reminder row, which
	// follow-ups and escalation count. The group messages are rendered by
	// write, in its transaction, with the topic they may go to.
	groupOrder []groupSlot
	groupDue   map[groupSlot][]models.Due
	groupRows  map[groupSlot][]models.Reminder
	groupBy    map[groupSlot]*models.Person
}

type groupSlot struct {
	taskID  uint
	kind    models.ReminderKind
	slotKey string
}

// prepareReminders reads through db what jobs need and renders their
// private reminders, without writing anything: db is the transaction that
// then writes them, or the store itself for a batch rendered while the
// batch before it is written (see fireReminders). details holds the jobs'
// tasks (loaded by the set when nil).
func (r *Reminders) prepareReminders(db *gorm.DB, details map[uint]*models.TaskDetail, jobs []reminderJob) (*preparedReminders, error) {
	p := &preparedReminders{r: r, details: details}
	if len(jobs) == 0 {
		return p, nil
	}
	taskIDs := make([]uint, 0, len(jobs))
	for _, j := range jobs {
		taskIDs = append(taskIDs, j.taskID)
	}
	slices.Sort(taskIDs)
	taskIDs = slices.Compact(taskIDs)
	p.taskIDs = taskIDs
	if details == nil {
		var err error
		if details, err = models.TasksByIDs(db, taskIDs); err != nil {
			return nil, err
		}
		p.details = details
	}
	facts, err := models.LoadLightFacts(db, taskIDs)
	if err != nil {
		return nil, err
	}
	p.facts = facts
	// The people are nearly always among their tasks' attendants, loaded
	// with the task; anyone else (a schedule a step behind a change of the
	// task list) is read by the set.
	people := map[uint]*models.Person{}
	var missing []uint
	for _, j := range jobs {
		if d := details[j.taskID]; d != nil {
			for i := range d.Attendants {
				if d.Attendants[i].ID == j.personID {
					people[j.personID] = &d.Attendants[i]
				}
			}
		}
		if people[j.personID] == nil {
			missing = append(missing, j.personID)
		}
	}
	if len(missing) > 0 {
		more, err := models.PeopleByIDs(db, missing)
		if err != nil {
			return nil, err
		}
		for id, p := range more {
			people[id] = p
		}
	}
	away, err := leavesAtSlots(db, jobs)
	if err != nil {
		return nil, err
	}
	p.deliveries = map[uint]models.GroupDelivery{}
	if r.Groups != nil {
		if p.deliveries, err = models.GroupDeliveries(db, taskIDs); err != nil {
			return nil, err
		}
	}
	p.groupDue = map[groupSlot][]models.Due{}
	p.groupRows = map[groupSlot][]models.Reminder{}
	p.groupBy = map[groupSlot]*models.Person{}
	p.rows = make([]models.Reminder, 0, len(jobs))
	for _, j := range jobs {
		d, person := details[j.taskID], people[j.personID]
		if d == nil || person == nil {
			// Nothing to remind of, or nobody to remind: the schedule
			// goes with the next reconcile.
			continue
		}
		var standIn *models.StandIn
		if away[j.slotAt][j.personID] {
			// Away (请假): their deputy is reminded in their place, or
			// nobody when the others of the task are reminded anyway.
			if standIn, err = models.StandInFor(db, j.taskID, j.personID, j.slotAt); err != nil {
				return nil, err
			}
			if standIn == nil || standIn.Person == nil || (!standIn.Named && d.HasRole(standIn.Person.ID, models.RoleAttendant)) {
				continue
			}
			j.personID, person = standIn.Person.ID, standIn.Person
		} else if j.kind == models.ReminderFollowUp && !d.HasRole(j.personID, models.RoleAttendant) && !d.HasRole(j.personID, models.RoleOwner) {
			// The slot's reminder went to this deputy in someone's place,
			// and its row names the deputy: the follow-up says for whom,
			// as the reminder did.
			if standIn, err = models.StandingInAs(db, j.personID, j.taskID, j.slotAt); err != nil {
				return nil, err
			}
		}
		rem := models.Reminder{TaskID: j.taskID, PersonID: j.personID, Kind: j.kind, SlotKey: j.slotKey, SlotAt: j.slotAt}
		if j.kind == models.ReminderSlot {
			at := j.slotAt.Add(r.FollowUp)
			rem.FollowUpAt = &at
		}
		delivery := models.DeliveryPrivate
		if g, ok := p.deliveries[j.taskID]; ok {
			delivery = g.Binding.Delivery
		}
		sent := false
		if delivery.Private() {
			key := fmt.Sprintf("remind:%s:%d:%d:%s", j.kind, j.taskID, j.personID, j.slotKey)
			if sent, err = r.Writer.Reminder(db, &p.queue, d, facts[j.taskID], person, j.kind, key, standIn, j.by); err != nil {
				return nil, err
			}
		}
		if sent {
			p.rows = append(p.rows, rem)
		}
		if delivery.Group() && person.TelegramID != nil {
			// Someone not bound is no one the group can mention or
			// the bot take a report from; blocking the bot privately
			// does not keep them from the group.
			gs := groupSlot{j.taskID, j.kind, j.slotKey}
			if _, ok := p.groupDue[gs]; !ok {
				p.groupOrder = append(p.groupOrder, gs)
				p.groupBy[gs] = j.by
			}
			p.groupDue[gs] = append(p.groupDue[gs], models.Due{Person: *person, StandIn: standIn})
			if !sent {
				p.groupRows[gs] = append(p.groupRows[gs], rem)
			}
		}
	}
	return p, nil
}

// write queues the prepared reminders inside tx and returns how many
// reminders it queued.
func (p *preparedReminders) write(tx *gorm.DB) (int, error) {
	if _, err := p.queue.Flush(tx); err != nil {
		return 0, err
	}
	rows := p.rows
	for _, gs := range p.groupOrder {
		sent, err := p.r.Groups.GroupReminder(tx, p.details[gs.taskID], p.facts[gs.taskID], p.deliveries[gs.taskID], p.groupDue[gs], gs.kind, gs.slotKey, p.groupBy[gs])
		if err != nil {
			return 0, err
		}
		if sent {
			rows = append(rows, p.groupRows[gs]...)
		}
	}
	// The round is where a task's light is read anyway: its topic's name
	// follows it, renamed only when it changed.
	for _, id := range p.taskIDs {
		if g, ok := p.deliveries[id]; ok && g.Topic != nil && p.details[id] != nil {
			if err := p.r.Groups.Topic(tx, p.details[id], p.facts[id], g.Topic); err != nil {
				return 0, err
			}
		}
	}
	if len(rows) > 0 {
		// A row already recorded (the same slot twice) is left as it is.
		if err := models.RecordReminders(tx, rows); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// leavesAtSlots tells, for each slot time of jobs, which of the people
// reminded then are away: one query per slot time, and a round is nearly
// always one slot.
func leavesAtSlots(tx *gorm.DB, jobs []reminderJob) (map[time.Time]map[uint]bool, error) {
	bySlot := map[time.Time][]uint{}
	for _, j := range jobs {
		bySlot[j.slotAt] = append(bySlot[j.slotAt], j.personID)
	}
	out := make(map[time.Time]map[uint]bool, len(bySlot))
	for at, ids := range bySlot {
		slices.Sort(ids)
		leaves, err := models.LeavesAt(tx, slices.Compact(ids), at)
		if err != nil {
			return nil, err
		}
		out[at] = make(map[uint]bool, len(leaves))
		for id := range leaves {
			out[at][id] = true
		}
	}
	return out, nil
}

// dueGroup is due schedules that advance alike: same kind, spec, zone and
// slot. A city's reminders are a handful of such groups, so the slot
// arithmetic is done once per group and each group advances in one
// statement per batch.
type dueGroup struct {
	kind     models.ScheduleKind
	spec, tz string
	wall     string
	at       int64
}

// fireReminders handles due reminder schedules by the batch. Each batch
// advances its schedules with a statement that returns the ids it moved:
// only the schedules this process moved from the slot it read are sent,
// so two processes on one database send a slot once.
//
// A batch's reminders are read and rendered before its transaction, while
// the batch before it is written (see fireRound): the round was the client
// rendering and the server writing by turns. The transaction writes them
// when it took every schedule of the batch, as it nearly always does;
// when another process took some, it renders those it took again, inside
// the transaction, as one taking part of a slot always did.
func (r *Reminders) fireReminders(ctx context.Context, due []models.Schedule, cal *Calendar, round *roundTally) error {
	jobsOf := func(taken []models.Schedule, send Slot) []reminderJob {
		jobs := make([]reminderJob, len(taken))
		for i, s := range taken {
			jobs[i] = reminderJob{taskID: s.TaskID, personID: s.PersonID, kind: models.ReminderSlot, slotKey: send.Wall.String(), slotAt: send.At}
		}
		return jobs
	}
	return r.fireRound(ctx, due, cal, round, nil, func(batch []models.Schedule, send Slot) (batchWrite, error) {
		ready, err := r.prepareReminders(r.Store.DB.WithContext(ctx), nil, jobsOf(batch, send))
		if err != nil {
			return nil, err
		}
		return func(tx *gorm.DB, taken []models.Schedule) (int, error) {
			p := ready
			if len(taken) < len(batch) {
				var err error
				if p, err = r.prepareReminders(tx, nil, jobsOf(taken, send)); err != nil {
					return 0, err
				}
			}
			n, err := p.write(tx)
			if err == nil {
				r.Metrics.countReminder(models.ReminderSlot, "sent", n)
			}
			return n, err
		}, nil
	})
}

// fireSummaries queues the daily summaries of due summary schedules by the
// batch. The summaries of a slot's readers are built together
// (report.BuildAll), each task read once however many of them share it,
// and drawn before the batches' transactions, which then only advance the
// schedules and queue what is ready: a batch another process took
// meanwhile was drawn for nothing, and nothing is sent twice.
func (r *Reminders) fireSummaries(ctx context.Context, due []models.Schedule, cal *Calendar, round *roundTally) error {
	if r.Summaries == nil {
		return r.fireRound(ctx, due, cal, round, nil, func([]models.Schedule, Slot) (batchWrite, error) {
			return func(*gorm.DB, []models.Schedule) (int, error) { return 0, nil }, nil
		})
	}
	summaries := r.Summaries.StartRound()
	var people map[uint]*models.Person
	var ready PreparedSummaries
	prepare := func(slot []models.Schedule) error {
		db := r.Store.DB.WithContext(ctx)
		ids := make([]uint, len(slot))
		for i, s := range slot {
			ids[i] = s.PersonID
		}
		var err error
		if people, err = models.PeopleByIDs(db, ids); err != nil {
			return err
		}
		readers := make([]models.Person, 0, len(people))
		for _, id := range ids {
			if p := people[id]; p != nil {
				readers = append(readers, *p)
			}
		}
		ready, err = summaries.Prepare(ctx, db, readers)
		return err
	}
	return r.fireRound(ctx, due, cal, round, prepare, func(_ []models.Schedule, send Slot) (batchWrite, error) {
		return func(tx *gorm.DB, taken []models.Schedule) (int, error) {
			var readers []models.Person
			var keys []string
			for _, s := range taken {
				if p := people[s.PersonID]; p != nil {
					readers = append(readers, *p)
					keys = append(keys, fmt.Sprintf("summary:%d:%s", s.PersonID, send.Wall.String()))
				}
			}
			sent, err := ready.Queue(tx, readers, keys)
			if err != nil {
				return 0, err
			}
			n := 0
			for _, ok := range sent {
				if ok {
					n++
				}
			}
			for i := 0; i < n; i++ {
				r.Metrics.count(models.ScheduleSummary, "sent")
			}
			return n, nil
		}, nil
	})
}

// batchQueue is given a batch of due schedules and the slot they send,
// outside any transaction, and returns what queues the slot inside the
// batch's transaction for the schedules of the batch this process took.
type batchQueue func(batch []models.Schedule, send Slot) (batchWrite, error)

type batchWrite func(tx *gorm.DB, taken []models.Schedule) (int, error)

// fireRound advances due schedules of one kind by the batch and has
// queue queue the slot for the ones this process took, inside the same
// transaction. prepare, when set, is given all the schedules of a slot to
// send (at most a page of due schedules) before the transactions of their
// batches, outside them.
//
// queue is given each batch outside its transaction; on PostgreSQL, while
// the batch before it is written, so that what it does there (reading,
// rendering) overlaps the server's writing. There is still one writer: the transactions of a slot follow
// one another, in the order of the batches, each whole or not at all. A
// batch holds all of a slot's schedules of each of its tasks, so that what
// queue reads of a task is never what the batch before is writing.
func (r *Reminders) fireRound(ctx context.Context, due []models.Schedule, cal *Calendar, round *roundTally,
	prepare func(batch []models.Schedule) error, queue batchQueue) error {
	groups := map[dueGroup][]models.Schedule{}
	var order []dueGroup
	for _, s := range due {
		g := dueGroup{s.Kind, s.Spec, s.TimeZone, s.NextWall, s.NextFireAt.UnixNano()}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], s)
	}
	now := r.Store.Now()
	for _, g := range order {
		members := groups[g]
		first := members[0]
		wall, err := ParseWall(first.NextWall)
		if err != nil {
			return fmt.Errorf("schedule %d: %w", first.ID, err)
		}
		loc := r.zone(first.TimeZone)
		adv, err := Due(Schedule{Spec: first.Spec, Location: loc}, Slot{Wall: wall, At: first.NextFireAt}, now, r.CatchUp, cal, r.Workdays)
		if err != nil {
			return fmt.Errorf("schedule %d: %w", first.ID, err)
		}
		if prepare != nil && adv.Send != nil {
			if err := prepare(members); err != nil {
				for range members {
					r.Metrics.count(g.kind, "failed")
				}
				return err
			}
		}
		if err := r.fireGroup(ctx, g.kind, first.NextWall, loc, now, adv, taskBatches(members, roundBatch), round, queue); err != nil {
			return err
		}
	}
	return nil
}

// fireGroup advances and queues the batches of one group of due schedules
// (see fireRound), queue working on the next batch while the transaction
// of one is written.
func (r *Reminders) fireGroup(ctx context.Context, kind models.ScheduleKind, from string, loc *time.Location, now time.Time, adv Advance,
	batches [][]models.Schedule, round *roundTally, queue batchQueue) error {
	type queued struct {
		write batchWrite
		err   error
	}
	ahead := func(batch []models.Schedule) <-chan queued {
		ready := make(chan queued, 1)
		if adv.Send == nil {
			ready <- queued{}
			return ready
		}
		go func() {
			write, err := queue(batch, *adv.Send)
			ready <- queued{write, err}
		}()
		return ready
	}
	// On SQLite the next batch's reads wait for the transaction's one
	// connection, and its rendering then for them: measured, the batches
	// only took turns, as they do in order here.
	overlap := r.Store.Dialect == models.Postgres
	var next <-chan queued
	if len(batches) > 0 {
		next = ahead(batches[0])
	}
	for i, batch := range batches {
		// The batch's queue is had before its transaction begins: on
		// SQLite the transaction holds the one connection, which the
		// queue of the next batch waits for.
		q := <-next
		next = nil
		if q.err == nil && i+1 < len(batches) && overlap {
			next = ahead(batches[i+1])
		}
		n := 0
		err := q.err
		if err == nil {
			err = r.Store.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				n, err = r.advanceBatch(tx, batch, from, loc, now, adv, q.write)
				return err
			})
		}
		if err != nil {
			if next != nil {
				<-next // nothing runs on after the round returns
			}
			// The batch rolled back: its schedules are tried again on
			// the next round.
			for range batch {
				r.Metrics.count(kind, "failed")
			}
			return err
		}
		if n > 0 {
			round.add(string(kind), adv.Send.Wall.String(), n)
			if r.Enqueued != nil {
				r.Enqueued()
			}
		}
		if !overlap && i+1 < len(batches) {
			next = ahead(batches[i+1])
		}
	}
	return nil
}

// advanceBatch advances batch from the slot from inside tx and has write
// queue the slot sent, if any, for the schedules this process moved.
func (r *Reminders) advanceBatch(tx *gorm.DB, batch []models.Schedule, from string, loc *time.Location, now time.Time, adv Advance, write batchWrite) (int, error) {
	ids := make([]uint, len(batch))
	for i, s := range batch {
		ids[i] = s.ID
	}
	var taken []uint
	err := tx.Raw(`UPDATE schedules SET next_wall = ?, next_fire_at = ?, updated_at = ?
WHERE ? AND next_wall = ? RETURNING id`, adv.Next.Wall.String(), adv.Next.At, tx.NowFunc(), models.IDsIn("id", ids), from).
		Scan(&taken).Error
	if err != nil {
		return 0, fmt.Errorf("advance %d schedules from %s: %w", len(ids), from, err)
	}
	if len(taken) == 0 {
		return 0, nil // another process took this slot
	}
	if k := len(adv.Skipped); k > 0 {
		// One line per batch however long the downtime: thousands of
		// missed slots must not flood the log or the audit trail.
		latest := adv.Skipped[k-1]
		missed := max(adv.SkippedTotal, k)
		r.Logger.Warn("missed reminder slots skipped", "schedules", len(taken), "count", missed,
			"latest", latest.Wall.String(), "zone", loc.String(), "late", now.Sub(latest.At).Round(time.Minute))
		detail := fmt.Sprintf("%d schedule(s): %d missed slot(s) skipped, latest %s %s", len(taken), missed, latest.Wall.String(), loc.String())
		if err := models.Audit(tx, nil, nil, "reminder_skipped", detail); err != nil {
			return 0, err
		}
	}
	if adv.Send == nil {
		return 0, nil
	}
	isTaken := make(map[uint]bool, len(taken))
	for _, id := range taken {
		isTaken[id] = true
	}
	mine := make([]models.Schedule, 0, len(taken))
	for _, s := range batch {
		if isTaken[s.ID] {
			mine = append(mine, s)
		}
	}
	return write(tx, mine)
}

// taskBatches cuts schedules into batches of at most size, each holding
// all the schedules of its tasks (but for a task with more than size):
// the schedules are ordered by task first, keeping their order otherwise.
// Schedules of no task (summaries, digests) are cut at size.
func taskBatches(schedules []models.Schedule, size int) [][]models.Schedule {
	sorted := slices.Clone(schedules)
	slices.SortStableFunc(sorted, func(a, b models.Schedule) int { return cmp.Compare(a.TaskID, b.TaskID) })
	sameTask := func(i int) bool { return sorted[i].TaskID != 0 && sorted[i].TaskID == sorted[i-1].TaskID }
	var batches [][]models.Schedule
	for len(sorted) > 0 {
		end := min(size, len(sorted))
		for end < len(sorted) && end > 0 && sameTask(end) {
			end--
		}
		if end == 0 { // one task of more than size
			for end = size; end < len(sorted) && sameTask(end); end++ {
			}
		}
		batches = append(batches, sorted[:end:end])
		sorted = sorted[end:]
	}
	return batches
}

// roundTally counts what a round queued, for its one audit row.
type roundTally struct {
	slots  []string
	counts map[string]int
	count  int
}

func (t *roundTally) add(kind, slot string, n int) {
	if !slices.Contains(t.slots, slot) {
		t.slots = append(t.slots, slot)
	}
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	t.counts[kind] += n
	t.count += n
}

// audit leaves the round's one audit row.
func (r *Reminders) auditRound(ctx context.Context, kind string, by, taskID *uint, detail string) error {
	return r.Store.Tx(ctx, func(tx *gorm.DB) error {
		return models.Audit(tx, by, taskID, kind, detail)
	})
}

func (t *roundTally) detail() string {
	return fmt.Sprintf("queued %v, slot(s) %v", t.counts, t.slots)
}

// roundWorkers is how many batches of `remind --now` are queued at once,
// each in its own transaction. On PostgreSQL two: one renders while the
// server writes the other, and the batches, of different tasks, touch no
// row in common but the heads of the chats they share, which both only
// read (see takeTurns). SQLite has one writer. A scheduled round goes one
// batch at a time: measured side by side, its batches cost the server
// twice the CPU and the round no less time.
func (r *Reminders) roundWorkers() int {
	if r.Store.Dialect == models.Postgres {
		return 2
	}
	return 1
}

// eachBatch runs queue on each of batches, workers at once. It stops at
// the first error and returns it once the batches running beside it have
// ended.
func eachBatch[T any](workers int, batches [][]T, queue func([]T) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range min(workers, len(batches)) {
		wg.Go(func() {
			for {
				mu.Lock()
				if first != nil || next == len(batches) {
					mu.Unlock()
					return
				}
				batch := batches[next]
				next++
				mu.Unlock()
				if err := queue(batch); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
