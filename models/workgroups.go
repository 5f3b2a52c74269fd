package models

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A work group (专班) is the Telegram group where a task's people talk. The
// bot can live there too: bound to one or more tasks, it posts their
// reminders, instructions and coordination answers there (in a topic per
// task in a forum) and takes reports from the people bound to each task.
// Leaders' summaries never go there: everyone in the group would read them.

// Delivery says where a task's reminders go.
type Delivery string

const (
	// DeliveryPrivate reminds each attendant in their private chat, as
	// for a task without a group: the default.
	DeliveryPrivate Delivery = "private"
	// DeliveryGroup posts one reminder per slot in the group, naming the
	// attendants due, and none privately.
	DeliveryGroup Delivery = "group"
	// DeliveryBoth does both.
	DeliveryBoth Delivery = "both"
)

// Valid tells a known delivery.
func (d Delivery) Valid() bool {
	return d == DeliveryPrivate || d == DeliveryGroup || d == DeliveryBoth
}

// Private tells whether attendants are reminded privately.
func (d Delivery) Private() bool { return d != DeliveryGroup }

// Group tells whether the group gets the reminder.
func (d Delivery) Group() bool { return d == DeliveryGroup || d == DeliveryBoth }

// AckMode is how a report made in the group is acknowledged there.
type AckMode string

const (
	// AckQuiet answers with a message sent without notification.
	AckQuiet AckMode = "quiet"
	// AckReaction reacts to the report with 👌 and says nothing.
	AckReaction AckMode = "reaction"
)

// Valid tells a known mode.
func (m AckMode) Valid() bool { return m == AckQuiet || m == AckReaction }

// WorkGroup is a Telegram group bound to tasks. It exists while at least
// one task is bound to it.
type WorkGroup struct {
	ID     uint   `gorm:"primaryKey"`
	ChatID int64  `gorm:"not null;uniqueIndex"`
	Title  string `gorm:"size:255;not null;default:''"`
	Forum  bool   `gorm:"not null;default:false"`
	// BotStatus and BotRights are the bot's membership as last seen
	// (getChatMember, my_chat_member): "administrator" with its rights
	// ("can_manage_topics,can_pin_messages"), or "member".
	BotStatus    string `gorm:"size:16;not null;default:''"`
	BotRights    string `gorm:"size:300;not null;default:''"`
	RightsSeenAt time.Time
	// BoundByPerson is the person who bound it first, nil for an admin
	// not on the list; BoundByTelegram their Telegram id either way.
	BoundByPerson   *uint
	BoundByTelegram int64 `gorm:"not null;default:0"`
	BoundAt         time.Time
	AckMode         AckMode `gorm:"size:16;not null;default:quiet"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WorkGroupTask binds a task to a work group. A task is bound to one group
// at most: its reminders cannot go to two.
type WorkGroupTask struct {
	ID              uint     `gorm:"primaryKey"`
	WorkGroupID     uint     `gorm:"not null;index"`
	TaskID          uint     `gorm:"not null;uniqueIndex"`
	Delivery        Delivery `gorm:"size:16;not null;default:private"`
	BoundByPerson   *uint
	BoundByTelegram int64 `gorm:"not null;default:0"`
	BoundAt         time.Time
}

// TaskTopic is a task's topic in a forum group. It outlives the binding, so
// that binding the task to the same forum again reuses it.
type TaskTopic struct {
	ID     uint  `gorm:"primaryKey"`
	TaskID uint  `gorm:"not null;uniqueIndex:idx_task_topic"`
	ChatID int64 `gorm:"not null;uniqueIndex:idx_task_topic;index"`
	// ThreadID is the topic's message_thread_id, 0 until it is known.
	ThreadID int `gorm:"not null;default:0"`
	// OutboxID is the outbox row that creates the topic: once sent, its
	// Telegram id is the thread id (see TopicThread).
	OutboxID *uint
	Name     string `gorm:"size:600;not null;default:''"`
	// Light is the light the name shows, "" before the first one.
	Light     Light `gorm:"size:16;not null;default:''"`
	Closed    bool  `gorm:"not null;default:false"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GroupReminder is a reminder posted in a work group, edited in place as
// people report rather than followed by new messages: a busy group stays
// within Telegram's 20 messages a minute.
type GroupReminder struct {
	ID       uint         `gorm:"primaryKey"`
	TaskID   uint         `gorm:"not null;uniqueIndex:idx_group_reminder"`
	ChatID   int64        `gorm:"not null;uniqueIndex:idx_group_reminder"`
	Kind     ReminderKind `gorm:"size:16;not null;uniqueIndex:idx_group_reminder"`
	SlotKey  string       `gorm:"size:40;not null;uniqueIndex:idx_group_reminder"`
	ThreadID int          `gorm:"not null;default:0"`
	// OutboxID is the row that sends it, which edits name.
	OutboxID uint `gorm:"not null;index"`
	// Text is the line naming the people due, HTML: an edit renders the
	// task as it stands then, with this line and who reported since. A
	// manual reminder's (催办) starts with its title line, naming who
	// urged it, which an edit keeps as sent.
	Text      string `gorm:"type:text;not null"`
	CreatedAt time.Time
}

// Due is someone a group reminder names as due to report: Person, for
// someone away when StandIn is set.
type Due struct {
	Person  Person
	StandIn *StandIn
}

// Rights the bot may lack in a group.
type Right string

const (
	// RightMember: the bot is not in the group.
	RightMember Right = "member"
	// RightAdmin: the bot is not an administrator.
	RightAdmin Right = "administrator"
	// RightManageTopics: may create, rename and close topics.
	RightManageTopics Right = "can_manage_topics"
)

// BotRights is the bot's membership of a group as Telegram last told it.
type BotRights struct {
	// Status is the ChatMember status: creator, administrator, member,
	// restricted, left or kicked.
	Status         string
	ManageTopics   bool
	PinMessages    bool
	InviteUsers    bool
	DeleteMessages bool
}

// Admin tells whether the bot is an administrator.
func (r BotRights) Admin() bool { return r.Status == "administrator" || r.Status == "creator" }

// Member tells whether the bot is in the group at all.
func (r BotRights) Member() bool {
	return r.Admin() || r.Status == "member" || r.Status == "restricted"
}

// List is the administrator rights held, comma-separated, as stored.
func (r BotRights) List() string {
	if !r.Admin() {
		return ""
	}
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{{r.ManageTopics, "can_manage_topics"}, {r.PinMessages, "can_pin_messages"},
		{r.InviteUsers, "can_invite_users"}, {r.DeleteMessages, "can_delete_messages"}} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, ",")
}

// GroupChat is a group as Telegram describes it when it is bound.
type GroupChat struct {
	ChatID int64
	Title  string
	Forum  bool
	Bot    BotRights
}

// MissingRights lists what the bot lacks to serve a group, most basic
// first: being in it and, in a forum, being an administrator who may
// manage topics, since each task gets a topic of its own. Anything else
// works for a plain member: with privacy mode on, the bot still receives
// the commands addressed to it and the replies to its messages, and in a
// forum every message of the topics it created.
func MissingRights(g GroupChat) []Right {
	switch {
	case !g.Bot.Member():
		return []Right{RightMember}
	case !g.Forum:
		return nil
	case !g.Bot.Admin():
		return []Right{RightAdmin, RightManageTopics}
	case !g.Bot.ManageTopics:
		return []Right{RightManageTopics}
	}
	return nil
}

// Binder is who binds or unbinds a group: an admin (a Telegram id, not
// necessarily a person of the list) or a person.
type Binder struct {
	PersonID   *uint
	TelegramID int64
	Admin      bool
}

// Why a binding or a setting was refused; nothing changes in each case.
var (
	ErrNotBinder     = errors.New("only an admin or the task's contracting leader may bind or unbind it")
	ErrMissingRights = errors.New("the bot lacks rights in the group")
	ErrNotBound      = errors.New("task not bound to this group")
	ErrBadDelivery   = errors.New("unknown delivery")
	ErrBadAckMode    = errors.New("unknown acknowledgement mode")
)

// NotBinderError names the task the binder may not bind or unbind;
// errors.Is(err, ErrNotBinder) holds.
type NotBinderError struct{ Code string }

func (e *NotBinderError) Error() string {
	if e.Code == "" {
		return ErrNotBinder.Error()
	}
	return fmt.Sprintf("task %s: %v", e.Code, ErrNotBinder)
}

func (e *NotBinderError) Is(target error) bool { return target == ErrNotBinder }

// NotBoundError names a task not bound to the group; errors.Is(err,
// ErrNotBound) holds.
type NotBoundError struct{ Code string }

func (e *NotBoundError) Error() string { return fmt.Sprintf("task %s: %v", e.Code, ErrNotBound) }

func (e *NotBoundError) Is(target error) bool { return target == ErrNotBound }

// MissingRightsError lists what the bot lacks; errors.Is(err,
// ErrMissingRights) holds.
type MissingRightsError struct{ Missing []Right }

func (e *MissingRightsError) Error() string {
	names := make([]string, len(e.Missing))
	for i, r := range e.Missing {
		names[i] = string(r)
	}
	return fmt.Sprintf("%v: %s", ErrMissingRights, strings.Join(names, ", "))
}

func (e *MissingRightsError) Is(target error) bool { return target == ErrMissingRights }

// mayBind checks that by may bind or unbind the task: an admin, or one of
// its contracting leaders.
func mayBind(tx *gorm.DB, by Binder, t Task) error {
	if by.Admin {
		return nil
	}
	if by.PersonID != nil {
		ok, err := IsLeader(tx, *by.PersonID, t.ID)
		if err != nil || ok {
			return err
		}
	}
	return &NotBinderError{Code: t.Code}
}

// LeadsAnyTask tells whether the person is a contracting leader of some
// task, and so may bind a work group to it.
func LeadsAnyTask(tx *gorm.DB, personID uint) (bool, error) {
	var n int64
	if err := tx.Model(&Assignment{}).Where("person_id = ? AND role = ?", personID, RoleLeader).Count(&n).Error; err != nil {
		return false, fmt.Errorf("tasks led by person %d: %w", personID, err)
	}
	return n > 0, nil
}

// BindResult says what a binding changed.
type BindResult struct {
	Group WorkGroup
	// Bound are the tasks newly bound to the group (moved ones included),
	// Already those bound to it before.
	Bound, Already []Task
	// MovedFrom is the chat each moved task was bound to before.
	MovedFrom map[uint]int64
	// NewGroup says the group had no task before.
	NewGroup bool
	// CreateTopics are the tasks that need a topic in this forum;
	// ReopenTopics their closed topics that need reopening.
	CreateTopics []Task
	ReopenTopics []TaskTopic
}

// BindWorkGroup binds the group g to the tasks, which by must be allowed
// to bind (an admin, or a contracting leader of each). A task bound to
// another group moves here. g is what Telegram just said of the group:
// a bot lacking the rights it needs there (MissingRights) binds nothing.
// Each task bound leaves an audit line.
func BindWorkGroup(tx *gorm.DB, by Binder, g GroupChat, taskIDs []uint, now time.Time) (*BindResult, error) {
	if missing := MissingRights(g); len(missing) > 0 {
		return nil, &MissingRightsError{Missing: missing}
	}
	if len(taskIDs) == 0 {
		return nil, fmt.Errorf("bind group %d: no task", g.ChatID)
	}
	var tasks []Task
	if err := tx.Where("id IN ?", taskIDs).Order("code").Find(&tasks).Error; err != nil {
		return nil, fmt.Errorf("tasks to bind: %w", err)
	}
	if len(tasks) != len(slices.Compact(slices.Sorted(slices.Values(taskIDs)))) {
		return nil, fmt.Errorf("tasks to bind: %w", ErrNotFound)
	}
	for _, t := range tasks {
		if err := mayBind(tx, by, t); err != nil {
			return nil, err
		}
		if t.Done {
			return nil, &TaskClosedError{Code: t.Code}
		}
	}
	res := &BindResult{MovedFrom: map[uint]int64{}}
	var wg WorkGroup
	err := tx.Where("chat_id = ?", g.ChatID).Take(&wg).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		wg = WorkGroup{ChatID: g.ChatID, BoundByPerson: by.PersonID, BoundByTelegram: by.TelegramID, BoundAt: now, AckMode: AckQuiet}
		res.NewGroup = true
	case err != nil:
		return nil, fmt.Errorf("work group of chat %d: %w", g.ChatID, err)
	}
	wg.Title, wg.Forum = truncate(g.Title, 255), g.Forum
	wg.BotStatus, wg.BotRights, wg.RightsSeenAt = g.Bot.Status, g.Bot.List(), now
	if err := tx.Save(&wg).Error; err != nil {
		return nil, fmt.Errorf("save work group of chat %d: %w", g.ChatID, err)
	}
	res.Group = wg
	for _, t := range tasks {
		var b WorkGroupTask
		err := tx.Where("task_id = ?", t.ID).Take(&b).Error
		switch {
		case err == nil && b.WorkGroupID == wg.ID:
			res.Already = append(res.Already, t)
		case err == nil:
			var old WorkGroup
			if err := tx.Take(&old, b.WorkGroupID).Error; err != nil {
				return nil, fmt.Errorf("work group %d: %w", b.WorkGroupID, err)
			}
			res.MovedFrom[t.ID] = old.ChatID
			err := tx.Model(&b).Updates(map[string]any{"work_group_id": wg.ID, "bound_by_person": by.PersonID,
				"bound_by_telegram": by.TelegramID, "bound_at": now}).Error
			if err != nil {
				return nil, fmt.Errorf("move task %s to chat %d: %w", t.Code, g.ChatID, err)
			}
			if err := dropEmptyGroup(tx, old.ID); err != nil {
				return nil, err
			}
			res.Bound = append(res.Bound, t)
		case errors.Is(err, gorm.ErrRecordNotFound):
			b = WorkGroupTask{WorkGroupID: wg.ID, TaskID: t.ID, Delivery: DeliveryPrivate, BoundByPerson: by.PersonID,
				BoundByTelegram: by.TelegramID, BoundAt: now}
			if err := tx.Create(&b).Error; err != nil {
				return nil, fmt.Errorf("bind task %s to chat %d: %w", t.Code, g.ChatID, err)
			}
			res.Bound = append(res.Bound, t)
		default:
			return nil, fmt.Errorf("binding of task %s: %w", t.Code, err)
		}
		if g.Forum {
			topic, err := TopicOf(tx, t.ID, g.ChatID)
			switch {
			case IsNotFound(err):
				res.CreateTopics = append(res.CreateTopics, t)
			case err != nil:
				return nil, err
			case topic.Closed:
				res.ReopenTopics = append(res.ReopenTopics, *topic)
			}
		}
		if slices.ContainsFunc(res.Already, func(a Task) bool { return a.ID == t.ID }) {
			continue
		}
		detail := fmt.Sprintf("chat %d %q", g.ChatID, wg.Title)
		if from, ok := res.MovedFrom[t.ID]; ok {
			detail += fmt.Sprintf(", moved from chat %d", from)
		}
		if by.PersonID == nil {
			detail += fmt.Sprintf(", by admin %d", by.TelegramID)
		}
		id := t.ID
		if err := Audit(tx, by.PersonID, &id, "work_group_bind", detail); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// dropEmptyGroup deletes a work group no task is bound to any more.
func dropEmptyGroup(tx *gorm.DB, groupID uint) error {
	var n int64
	if err := tx.Model(&WorkGroupTask{}).Where("work_group_id = ?", groupID).Count(&n).Error; err != nil {
		return fmt.Errorf("tasks of work group %d: %w", groupID, err)
	}
	if n > 0 {
		return nil
	}
	if err := tx.Delete(&WorkGroup{}, groupID).Error; err != nil {
		return fmt.Errorf("drop work group %d: %w", groupID, err)
	}
	return nil
}

// UnbindResult says what an unbinding changed.
type UnbindResult struct {
	Group WorkGroup
	Tasks []Task
	// Emptied says no task is bound to the group any more: it is no
	// longer a work group.
	Emptied bool
}

// UnbindWorkGroup unbinds tasks from the group of chatID: those named
// (each must be bound there, and by allowed to unbind it), or with none
// named every task by may unbind (all of them for an admin). Topics stay
// in the forum and in the store, for a later binding to reuse.
func UnbindWorkGroup(tx *gorm.DB, by Binder, chatID int64, taskIDs []uint, now time.Time) (*UnbindResult, error) {
	wg, err := WorkGroupByChat(tx, chatID)
	if err != nil {
		return nil, err
	}
	bound, err := boundTasks(tx, wg.ID)
	if err != nil {
		return nil, err
	}
	var drop []Task
	if len(taskIDs) > 0 {
		var tasks []Task
		if err := tx.Where("id IN ?", taskIDs).Order("code").Find(&tasks).Error; err != nil {
			return nil, fmt.Errorf("tasks to unbind: %w", err)
		}
		for _, t := range tasks {
			if !slices.ContainsFunc(bound, func(b Task) bool { return b.ID == t.ID }) {
				return nil, &NotBoundError{Code: t.Code}
			}
			if err := mayBind(tx, by, t); err != nil {
				return nil, err
			}
			drop = append(drop, t)
		}
	} else {
		for _, t := range bound {
			err := mayBind(tx, by, t)
			if errors.Is(err, ErrNotBinder) {
				continue
			}
			if err != nil {
				return nil, err
			}
			drop = append(drop, t)
		}
		if len(drop) == 0 {
			return nil, &NotBinderError{}
		}
	}
	return unbind(tx, by.PersonID, *wg, drop, "")
}

// WorkGroupGone unbinds every task of the group of chatID, which the bot
// has left or was removed from (why says which): nothing can reach it
// any more. It returns nil for a chat that was no work group.
func WorkGroupGone(tx *gorm.DB, chatID int64, why string) (*UnbindResult, error) {
	wg, err := WorkGroupByChat(tx, chatID)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bound, err := boundTasks(tx, wg.ID)
	if err != nil {
		return nil, err
	}
	return unbind(tx, nil, *wg, bound, why)
}

func unbind(tx *gorm.DB, by *uint, wg WorkGroup, drop []Task, why string) (*UnbindResult, error) {
	res := &UnbindResult{Group: wg, Tasks: drop}
	for _, t := range drop {
		if err := tx.Where("work_group_id = ? AND task_id = ?", wg.ID, t.ID).Delete(&WorkGroupTask{}).Error; err != nil {
			return nil, fmt.Errorf("unbind task %s from chat %d: %w", t.Code, wg.ChatID, err)
		}
		detail := fmt.Sprintf("chat %d %q", wg.ChatID, wg.Title)
		if why != "" {
			detail += ": " + why
		}
		id := t.ID
		if err := Audit(tx, by, &id, "work_group_unbind", detail); err != nil {
			return nil, err
		}
	}
	var left int64
	if err := tx.Model(&WorkGroupTask{}).Where("work_group_id = ?", wg.ID).Count(&left).Error; err != nil {
		return nil, fmt.Errorf("tasks left in chat %d: %w", wg.ChatID, err)
	}
	if left == 0 {
		if err := tx.Delete(&WorkGroup{}, wg.ID).Error; err != nil {
			return nil, fmt.Errorf("drop work group of chat %d: %w", wg.ChatID, err)
		}
		res.Emptied = true
	}
	return res, nil
}

// MigrateChat follows a basic group that became a supergroup (Telegram
// gives it a new id): its work group, topics and group reminders, and the
// messages queued to it move to the new id, all in tx, so that no message
// is left behind for a chat that no longer takes any. It is idempotent:
// the migration is announced by an update and found again by any send
// to the old id. It reports whether anything moved.
func MigrateChat(tx *gorm.DB, from, to int64) (bool, error) {
	if from == to || from == 0 || to == 0 {
		return false, fmt.Errorf("migrate chat %d to %d: bad ids", from, to)
	}
	moved := false
	var wg WorkGroup
	// Both chats announce the migration, and the two updates may be handled
	// at once: the lock makes the second wait for the first, then find the
	// group moved. Without it, on PostgreSQL, the second read the group
	// under its old id, then — the first committed — counted it under the
	// new one as a second binding, and dropped it.
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("chat_id = ?", from).Take(&wg).Error
	switch {
	case err == nil:
		var n int64
		if err := tx.Model(&WorkGroup{}).Where("chat_id = ? AND id <> ?", to, wg.ID).Count(&n).Error; err != nil {
			return false, fmt.Errorf("work group of chat %d: %w", to, err)
		}
		if n > 0 {
			// Bound again under the new id meanwhile: that binding stands.
			if err := tx.Model(&WorkGroupTask{}).Where("work_group_id = ?", wg.ID).Delete(&WorkGroupTask{}).Error; err != nil {
				return false, fmt.Errorf("drop bindings of chat %d: %w", from, err)
			}
			if err := tx.Delete(&wg).Error; err != nil {
				return false, fmt.Errorf("drop work group of chat %d: %w", from, err)
			}
		} else if err := tx.Model(&wg).Update("chat_id", to).Error; err != nil {
			return false, fmt.Errorf("move work group to chat %d: %w", to, err)
		}
		moved = true
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return false, fmt.Errorf("work group of chat %d: %w", from, err)
	}
	// A basic group has no topics; moved anyway, should one be recorded.
	for _, m := range []any{&TaskTopic{}, &GroupReminder{}} {
		res := tx.Model(m).Where("chat_id = ?", from).Update("chat_id", to)
		if res.Error != nil {
			return false, fmt.Errorf("move rows of chat %d to %d: %w", from, to, res.Error)
		}
		moved = moved || res.RowsAffected > 0
	}
	if err := settleDeferred(tx); err != nil {
		return false, err
	}
	res := tx.Model(&OutboxMessage{}).Where("chat_id = ? AND state = ?", from, OutboxPending).Update("chat_id", to)
	if res.Error != nil {
		return false, fmt.Errorf("move messages queued to chat %d: %w", from, res.Error)
	}
	if res.RowsAffected > 0 {
		moved = true
		if err := ensureHead(tx, to); err != nil {
			return false, err
		}
	}
	if !moved {
		return false, nil
	}
	detail := fmt.Sprintf("chat %d became supergroup %d; %d queued message(s) moved", from, to, res.RowsAffected)
	return true, Audit(tx, nil, nil, "work_group_migrate", detail)
}

// ensureHead gives the queue of chatID a head if it has none: rows moved
// from another chat may have left their head behind (one in flight there).
func ensureHead(tx *gorm.DB, chatID int64) error {
	var n int64
	err := tx.Model(&OutboxMessage{}).Where("chat_id = ? AND head AND state IN ?", chatID, []OutboxState{OutboxPending, OutboxSending}).
		Count(&n).Error
	if err != nil {
		return fmt.Errorf("head of chat %d: %w", chatID, err)
	}
	if n > 0 {
		return nil
	}
	err = tx.Exec(`UPDATE outbox_messages SET head = true WHERE id = (SELECT MIN(id) FROM outbox_messages WHERE chat_id = ? AND state IN (?, ?))`,
		chatID, OutboxPending, OutboxSending).Error
	if err != nil {
		return fmt.Errorf("give chat %d a head: %w", chatID, err)
	}
	return nil
}

// SetDelivery sets where a bound task's reminders go; by must be allowed
// to bind it.
func SetDelivery(tx *gorm.DB, by Binder, taskID uint, d Delivery) (*WorkGroupTask, error) {
	if !d.Valid() {
		return nil, ErrBadDelivery
	}
	var t Task
	if err := tx.Take(&t, taskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", taskID))
	}
	if err := mayBind(tx, by, t); err != nil {
		return nil, err
	}
	var b WorkGroupTask
	if err := tx.Where("task_id = ?", taskID).Take(&b).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, &NotBoundError{Code: t.Code}
		}
		return nil, fmt.Errorf("binding of task %s: %w", t.Code, err)
	}
	if b.Delivery == d {
		return &b, nil
	}
	if err := tx.Model(&b).Update("delivery", d).Error; err != nil {
		return nil, fmt.Errorf("set delivery of task %s: %w", t.Code, err)
	}
	detail := fmt.Sprintf("%s → %s", b.Delivery, d)
	b.Delivery = d
	return &b, Audit(tx, by.PersonID, &taskID, "work_group_delivery", detail)
}

// SetAckMode sets how reports made in the group of chatID are
// acknowledged; by must be an admin or a leader of one of its tasks.
func SetAckMode(tx *gorm.DB, by Binder, chatID int64, mode AckMode) (*WorkGroup, error) {
	if !mode.Valid() {
		return nil, ErrBadAckMode
	}
	wg, err := WorkGroupByChat(tx, chatID)
	if err != nil {
		return nil, err
	}
	bound, err := boundTasks(tx, wg.ID)
	if err != nil {
		return nil, err
	}
	allowed := by.Admin
	for _, t := range bound {
		if allowed {
			break
		}
		err := mayBind(tx, by, t)
		if err != nil && !errors.Is(err, ErrNotBinder) {
			return nil, err
		}
		allowed = err == nil
	}
	if !allowed {
		return nil, &NotBinderError{}
	}
	if wg.AckMode == mode {
		return wg, nil
	}
	if err := tx.Model(wg).Update("ack_mode", mode).Error; err != nil {
		return nil, fmt.Errorf("set acknowledgement of chat %d: %w", chatID, err)
	}
	detail := fmt.Sprintf("chat %d: %s → %s", chatID, wg.AckMode, mode)
	wg.AckMode = mode
	return wg, Audit(tx, by.PersonID, nil, "work_group_ack", detail)
}

// RecordBotRights keeps the bot's membership of a work group as Telegram
// last told it (a promotion or demotion); a chat that is no work group is
// left alone. It reports whether the group is one.
func RecordBotRights(tx *gorm.DB, chatID int64, r BotRights, now time.Time) (bool, error) {
	res := tx.Model(&WorkGroup{}).Where("chat_id = ?", chatID).
		Updates(map[string]any{"bot_status": r.Status, "bot_rights": r.List(), "rights_seen_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("record the bot's rights in chat %d: %w", chatID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// WorkGroupByChat loads the work group of a chat.
func WorkGroupByChat(tx *gorm.DB, chatID int64) (*WorkGroup, error) {
	var wg WorkGroup
	if err := tx.Where("chat_id = ?", chatID).Take(&wg).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("work group of chat %d", chatID))
	}
	return &wg, nil
}

// BoundTasks lists the tasks bound to the group of chatID, by code.
func BoundTasks(tx *gorm.DB, chatID int64) ([]Task, error) {
	wg, err := WorkGroupByChat(tx, chatID)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return boundTasks(tx, wg.ID)
}

func boundTasks(tx *gorm.DB, groupID uint) ([]Task, error) {
	var tasks []Task
	err := tx.Where("id IN (?)", tx.Model(&WorkGroupTask{}).Select("task_id").Where("work_group_id = ?", groupID)).
		Order("code").Find(&tasks).Error
	if err != nil {
		return nil, fmt.Errorf("tasks of work group %d: %w", groupID, err)
	}
	return tasks, nil
}

// GroupDelivery is how a task reaches its work group.
type GroupDelivery struct {
	Group   WorkGroup
	Binding WorkGroupTask
	// Topic is the task's topic in the group, if it has one.
	Topic *TaskTopic
}

// GroupDeliveries reads the work groups of tasks by the set; tasks bound
// to none are absent.
func GroupDeliveries(tx *gorm.DB, taskIDs []uint) (map[uint]GroupDelivery, error) {
	out := map[uint]GroupDelivery{}
	for _, ids := range IDChunks(taskIDs) {
		// Read for every status reply, and scanned by hand (see eachRow).
		var bindings []WorkGroupTask
		err := eachRow(tx, func(rows *sql.Rows) error {
			var b WorkGroupTask
			var by sql.NullInt64
			var at sql.NullTime
			if err := rows.Scan(&b.ID, &b.WorkGroupID, &b.TaskID, &b.Delivery, &by, &b.BoundByTelegram, &at); err != nil {
				return err
			}
			b.BoundAt = at.Time
			if by.Valid {
				id := uint(by.Int64)
				b.BoundByPerson = &id
			}
			bindings = append(bindings, b)
			return nil
		}, `SELECT id, work_group_id, task_id, delivery, bound_by_person, bound_by_telegram, bound_at FROM work_group_tasks WHERE ?`,
			IDsIn("task_id", ids))
		if err != nil {
			return nil, fmt.Errorf("bindings of %d tasks: %w", len(ids), err)
		}
		if len(bindings) == 0 {
			continue
		}
		groupIDs := make([]uint, 0, len(bindings))
		for _, b := range bindings {
			groupIDs = append(groupIDs, b.WorkGroupID)
		}
		var groups []WorkGroup
		if err := tx.Where("id IN ?", groupIDs).Find(&groups).Error; err != nil {
			return nil, fmt.Errorf("work groups of %d tasks: %w", len(ids), err)
		}
		byID := map[uint]WorkGroup{}
		for _, g := range groups {
			byID[g.ID] = g
		}
		var topics []TaskTopic
		if err := tx.Where("task_id IN ?", ids).Find(&topics).Error; err != nil {
			return nil, fmt.Errorf("topics of %d tasks: %w", len(ids), err)
		}
		for _, b := range bindings {
			g, ok := byID[b.WorkGroupID]
			if !ok {
				continue
			}
			d := GroupDelivery{Group: g, Binding: b}
			for i := range topics {
				if topics[i].TaskID == b.TaskID && topics[i].ChatID == g.ChatID {
					d.Topic = &topics[i]
				}
			}
			out[b.TaskID] = d
		}
	}
	return out, nil
}

// TopicOf loads a task's topic in a chat.
func TopicOf(tx *gorm.DB, taskID uint, chatID int64) (*TaskTopic, error) {
	var t TaskTopic
	if err := tx.Where("task_id = ? AND chat_id = ?", taskID, chatID).Take(&t).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("topic of task %d in chat %d", taskID, chatID))
	}
	return &t, nil
}

// TopicByThread finds the task whose topic a message of chatID was
// posted in.
func TopicByThread(tx *gorm.DB, chatID int64, threadID int) (*TaskTopic, error) {
	var t TaskTopic
	if err := tx.Where("chat_id = ? AND thread_id = ?", chatID, threadID).Take(&t).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("topic %d of chat %d", threadID, chatID))
	}
	return &t, nil
}

// PlanTopic records a task's topic about to be created by the outbox row
// outboxID; a topic already recorded is left as it is.
func PlanTopic(tx *gorm.DB, taskID uint, chatID int64, name string, outboxID uint) error {
	t := TaskTopic{TaskID: taskID, ChatID: chatID, OutboxID: &outboxID, Name: truncate(name, 600)}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "task_id"}, {Name: "chat_id"}}, DoNothing: true}).Create(&t).Error
	if err != nil {
		return fmt.Errorf("plan topic of task %d in chat %d: %w", taskID, chatID, err)
	}
	return nil
}

// TopicThread is where a message to the topic goes: its thread id once
// known, else the outbox row that creates it (whose Telegram id the
// dispatcher reads when the message is sent: the row is earlier in the
// chat's queue, so it has been sent by then). Both are 0 when the topic
// could not be created: the message goes to the General topic.
func TopicThread(tx *gorm.DB, t *TaskTopic) (threadID int, outboxID uint, err error) {
	if t.ThreadID != 0 || t.OutboxID == nil {
		return t.ThreadID, 0, nil
	}
	var row OutboxMessage
	err = tx.Select("id", "state", "telegram_message_id").Take(&row, *t.OutboxID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return 0, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("topic creation of task %d: %w", t.TaskID, err)
	case row.State == OutboxSent && row.TelegramMessageID != 0:
		if err := tx.Model(t).Update("thread_id", row.TelegramMessageID).Error; err != nil {
			return 0, 0, fmt.Errorf("record topic of task %d: %w", t.TaskID, err)
		}
		t.ThreadID = row.TelegramMessageID
		return t.ThreadID, 0, nil
	case row.State == OutboxFailed:
		return 0, 0, nil
	}
	return 0, row.ID, nil
}

// SetTopic records what the topic shows now: its name and light, and
// whether it is closed.
func SetTopic(tx *gorm.DB, t *TaskTopic, name string, light Light, closed bool) error {
	err := tx.Model(t).Updates(map[string]any{"name": truncate(name, 600), "light": light, "closed": closed}).Error
	if err != nil {
		return fmt.Errorf("record topic %d: %w", t.ID, err)
	}
	t.Name, t.Light, t.Closed = name, light, closed
	return nil
}

// RecordGroupReminder keeps a reminder posted in a group; the same slot
// recorded twice keeps the first.
func RecordGroupReminder(tx *gorm.DB, r *GroupReminder) error {
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(r).Error
	if err != nil {
		return fmt.Errorf("record group reminder of task %d: %w", r.TaskID, err)
	}
	return nil
}

// LatestGroupReminder is the newest reminder about a task in a chat.
func LatestGroupReminder(tx *gorm.DB, taskID uint, chatID int64) (*GroupReminder, error) {
	var r GroupReminder
	if err := tx.Where("task_id = ? AND chat_id = ?", taskID, chatID).Order("id DESC").Take(&r).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("group reminder of task %d in chat %d", taskID, chatID))
	}
	return &r, nil
}

// GroupReminderByMessage finds the group reminder a message replies to,
// by the Telegram id the reminder was sent with.
func GroupReminderByMessage(tx *gorm.DB, chatID int64, telegramMessageID int) (*GroupReminder, error) {
	sent, err := SentMessage(tx, chatID, telegramMessageID)
	if err != nil {
		return nil, err
	}
	var r GroupReminder
	if err := tx.Where("outbox_id = ?", sent.ID).Take(&r).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("group reminder of message %d in chat %d", telegramMessageID, chatID))
	}
	return &r, nil
}

// ReportsSince lists the standing reports on a task made at or after
// since, oldest first, with their reporters.
func ReportsSince(tx *gorm.DB, taskID uint, since time.Time) ([]Report, map[uint]Person, error) {
	var reports []Report
	err := tx.Where("task_id = ? AND created_at >= ? AND superseded_by IS NULL AND NOT withdrawn", taskID, since).
		Order("created_at, id").Find(&reports).Error
	if err != nil {
		return nil, nil, fmt.Errorf("reports on task %d since %s: %w", taskID, since.Format(time.RFC3339), err)
	}
	ids := make([]uint, 0, len(reports))
	for _, r := range reports {
		ids = append(ids, r.PersonID)
	}
	people, err := PeopleByIDs(tx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[uint]Person, len(people))
	for id, p := range people {
		out[id] = *p
	}
	return reports, out, nil
}
