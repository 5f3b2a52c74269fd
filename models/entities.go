// Package models holds taskbot's domain: the GORM entities, the store that
// reads and writes them, the versioned migrations, and the domain rules that
// need neither Telegram nor a clock of their own.
//
// All times are stored in UTC. A milestone's due date is a calendar date kept
// as midnight UTC of that date; it is compared in the reader's time zone.
package models

import "time"

// Role is what a person does on a task.
type Role string

const (
	RoleLeader    Role = "leader"
	RoleOwner     Role = "owner"
	RoleAttendant Role = "attendant"
)

// MilestoneState is the last reported state of a milestone.
type MilestoneState string

const (
	StatePending MilestoneState = "pending"
	StateOnTrack MilestoneState = "on_track"
	StateAtRisk  MilestoneState = "at_risk"
	StateBlocked MilestoneState = "blocked"
	StateDone    MilestoneState = "done"
)

// Person is someone who works on tasks. Key is the name as written in the
// task list ("张伟" or "张伟(区住建局)") and tells namesakes apart.
type Person struct {
	ID         uint   `gorm:"primaryKey"`
	Key        string `gorm:"size:200;not null;uniqueIndex"`
	Name       string `gorm:"size:100;not null"`
	Department string `gorm:"size:200;not null;default:''"`
	// TelegramID is set once the person accepted an invite.
	TelegramID *int64 `gorm:"uniqueIndex"`
	// Language is "zh" or "en" when chosen with /lang; empty follows Telegram's.
	Language    string `gorm:"size:8;not null;default:''"`
	TimeZone    string `gorm:"size:64;not null;default:''"`
	Unreachable bool   `gorm:"not null;default:false"`
	// SummaryAt is the person's daily summary time ("17:30"); empty uses
	// the default.
	SummaryAt string `gorm:"size:5;not null;default:''"`
	BoundAt   *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Task is one key task of the list.
type Task struct {
	ID         uint   `gorm:"primaryKey"`
	Code       string `gorm:"size:32;not null;uniqueIndex"`
	Title      string `gorm:"size:800;not null"`
	Department string `gorm:"size:200;not null;default:''"`
	Category   string `gorm:"size:100;not null;default:''"`
	// Schedule is the task's own reminder cron spec; empty uses the default.
	Schedule string `gorm:"size:100;not null;default:''"`
	Done     bool   `gorm:"not null;default:false"`
	// SiteLat and SiteLon are where the project is (经度/纬度 in the list),
	// both or neither; a visit's card tells its distance, as information.
	SiteLat    *float64
	SiteLon    *float64
	ClosedAt   *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Milestones []Milestone
}

// Milestone is one step of a task, reported on by its attendants.
type Milestone struct {
	ID      uint   `gorm:"primaryKey"`
	TaskID  uint   `gorm:"not null;uniqueIndex:idx_milestone_task_seq"`
	Seq     int    `gorm:"not null;uniqueIndex:idx_milestone_task_seq"`
	Title   string `gorm:"size:2000;not null"`
	DueDate time.Time
	// OriginalDue is the due date the milestone was first given, its first
	// baseline. BaselineDue is the due date last agreed: the original, or
	// the date of the latest approved extension. A due date a re-import
	// moves moves neither (the import names such moves), so a leader can
	// always tell an agreed date from an edited one. ListedDue is the date
	// the task list last gave: a list that still gives it has not been
	// edited there, and leaves an extended due date alone. Read them
	// through Original, Baseline and Listed: rows written without them
	// have them zero.
	OriginalDue time.Time
	BaselineDue time.Time
	ListedDue   time.Time
	State       MilestoneState `gorm:"size:16;not null;default:pending"`
	Percent     int            `gorm:"not null;default:0"`
	// LastReportID is the report that set State and Percent.
	LastReportID *uint
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Assignment says that a person holds a role on a task.
type Assignment struct {
	ID        uint `gorm:"primaryKey"`
	PersonID  uint `gorm:"not null;uniqueIndex:idx_assignment"`
	TaskID    uint `gorm:"not null;uniqueIndex:idx_assignment;index"`
	Role      Role `gorm:"size:16;not null;uniqueIndex:idx_assignment"`
	CreatedAt time.Time
}

// Sources of reports that the ledger treats apart: a button report is a
// state alone, and the percent and note added to it right after (detail)
// complete it rather than correct it, though both are kept as a
// correction is.
const (
	SourceButton = "button"
	SourceDetail = "detail"
)

// Report is one status reply. Reports are append-only: a correction is a new
// report that supersedes the old one.
type Report struct {
	ID          uint           `gorm:"primaryKey"`
	TaskID      uint           `gorm:"not null;index"`
	MilestoneID uint           `gorm:"not null;index"`
	PersonID    uint           `gorm:"not null;index"`
	State       MilestoneState `gorm:"size:16;not null"`
	Percent     *int
	Note        string `gorm:"size:4000;not null;default:''"`
	ChatID      int64  `gorm:"not null;default:0;index:idx_report_message"`
	MessageID   int    `gorm:"not null;default:0;index:idx_report_message"`
	// Source is how the report arrived: button, reply, command or edit.
	Source string `gorm:"size:16;not null;default:''"`
	// UpdateID is the Telegram update the report came from.
	UpdateID     int64 `gorm:"not null;default:0"`
	SupersededBy *uint
	// OriginID is the first report of a chain of corrections (0 when it
	// corrects nothing: it is its own origin). A correction keeps its
	// original's place in the milestone's history, so it never overrides
	// a later report.
	OriginID  uint `gorm:"not null;default:0"`
	Withdrawn bool `gorm:"not null;default:false"`
	// Reopens marks a report that reopened a done milestone, which only
	// happens when the reporter confirmed it.
	Reopens bool `gorm:"not null;default:false"`
	// OnBehalfOfID is the absent person a deputy reported for (代报);
	// PersonID stays the deputy who reported.
	OnBehalfOfID *uint
	// OnBehalfOfName is that person's name, set by RecordReport for the
	// acknowledgement; not stored.
	OnBehalfOfName string `gorm:"-"`
	CreatedAt      time.Time
	Attachments    []Attachment
}

// Attachment is evidence kept on a report as a Telegram file id.
type Attachment struct {
	ID        uint   `gorm:"primaryKey"`
	ReportID  uint   `gorm:"not null;index"`
	Kind      string `gorm:"size:16;not null"`
	FileID    string `gorm:"size:256;not null"`
	FileName  string `gorm:"size:256;not null;default:''"`
	CreatedAt time.Time
}

// Instruction is a leader's written instruction (批示) on a task.
type Instruction struct {
	ID        uint   `gorm:"primaryKey"`
	TaskID    uint   `gorm:"not null;index"`
	LeaderID  uint   `gorm:"not null"`
	Text      string `gorm:"size:4000;not null"`
	CreatedAt time.Time
	Receipts  []InstructionReceipt
}

// InstructionReceipt records who confirmed reading an instruction.
type InstructionReceipt struct {
	ID            uint `gorm:"primaryKey"`
	InstructionID uint `gorm:"not null;uniqueIndex:idx_receipt"`
	PersonID      uint `gorm:"not null;uniqueIndex:idx_receipt"`
	ConfirmedAt   *time.Time
	// ConfirmedByID is the deputy who confirmed for the person while they
	// were away (代确认); nil when they confirmed themselves.
	ConfirmedByID *uint
	CreatedAt     time.Time
}

// CoordinationState is where a coordination request stands.
type CoordinationState string

const (
	CoordinationOpen CoordinationState = "open"
	// CoordinationResolved: a leader marked it resolved.
	CoordinationResolved CoordinationState = "resolved"
	// CoordinationWithdrawn: the blocked report that opened it was
	// withdrawn by its reporter, or corrected to a state that is not
	// blocked.
	CoordinationWithdrawn CoordinationState = "withdrawn"
)

// CoordinationRequest is a blocker that needs the leader; open until
// resolved, or withdrawn with the report that opened it.
type CoordinationRequest struct {
	ID          uint              `gorm:"primaryKey"`
	TaskID      uint              `gorm:"not null;index"`
	MilestoneID *uint             `gorm:"index"`
	RaisedByID  uint              `gorm:"not null"`
	ReportID    *uint             `gorm:"index"`
	Text        string            `gorm:"size:4000;not null"`
	Answer      string            `gorm:"size:4000;not null;default:''"`
	State       CoordinationState `gorm:"size:16;not null;default:open"`
	// ResolvedAt is when the request closed, resolved or withdrawn (nil
	// while open); ResolvedBy who closed it.
	ResolvedAt *time.Time
	ResolvedBy *uint
	CreatedAt  time.Time
}

// Invite is a one-time link that binds a Telegram account to a person. Only
// the token's hash is kept.
type Invite struct {
	ID        uint   `gorm:"primaryKey"`
	PersonID  uint   `gorm:"not null;index"`
	TokenHash string `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// AuditEvent is one line of the audit trail.
type AuditEvent struct {
	ID       uint      `gorm:"primaryKey"`
	At       time.Time `gorm:"not null;index"`
	PersonID *uint
	TaskID   *uint  `gorm:"index"`
	Kind     string `gorm:"size:64;not null"`
	Detail   string `gorm:"size:4000;not null;default:''"`
}

// InboxState is where an update stands.
type InboxState string

const (
	InboxPending InboxState = "pending"
	InboxDone    InboxState = "done"
	InboxFailed  InboxState = "failed"
)

// InboxUpdate is a Telegram update stored before Telegram is told it arrived.
// ID is the order of receipt: Telegram restarts update ids at a random value
// after a week without updates, so update_id alone neither names an update
// for good nor orders it.
type InboxUpdate struct {
	ID       uint  `gorm:"primaryKey"`
	UpdateID int64 `gorm:"not null"`
	// LiveUpdateID is UpdateID while a copy of the update may still arrive
	// (Telegram redelivers for 24 hours); its unique index is what makes a
	// redelivery a no-op. It is cleared when Telegram reuses the id for a
	// new update.
	LiveUpdateID *int64     `gorm:"uniqueIndex"`
	ChatID       int64      `gorm:"not null;default:0"`
	Payload      string     `gorm:"type:text;not null"`
	State        InboxState `gorm:"size:16;not null;index"`
	Attempts     int        `gorm:"not null;default:0"`
	LastError    string     `gorm:"size:2000;not null;default:''"`
	ReceivedAt   time.Time  `gorm:"not null"`
	// NextAttemptAt is when a pending update that failed is tried again;
	// nil for one never tried.
	NextAttemptAt *time.Time
	ProcessedAt   *time.Time
}

// OutboxState is where an outgoing message stands.
type OutboxState string

const (
	OutboxPending OutboxState = "pending"
	// OutboxSending means a dispatcher claimed the message. Until its
	// AttemptedAt is set the call has not started, and giving the message
	// back costs nothing; after, the outcome is unknown until recorded, and
	// a message taken back then may be delivered twice.
	OutboxSending OutboxState = "sending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"
)

// OutboxMessage is one call to Telegram waiting to be made, made, or given up.
type OutboxMessage struct {
	ID uint `gorm:"primaryKey;index:idx_outbox_head,priority:3;index:idx_outbox_queue,priority:3"`
	// IdemKey makes enqueueing idempotent: the same key is enqueued once.
	IdemKey       string      `gorm:"size:200;not null;uniqueIndex"`
	ChatID        int64       `gorm:"not null;index:idx_outbox_chat_message;index:idx_outbox_queue,priority:1"`
	Kind          OutKind     `gorm:"size:24;not null"`
	Payload       string      `gorm:"type:text;not null"`
	State         OutboxState `gorm:"size:16;not null;index:idx_outbox_due;index:idx_outbox_queue,priority:2;index:idx_outbox_head,priority:1"`
	NextAttemptAt time.Time   `gorm:"not null;index:idx_outbox_due"`
	// LeaseUntil is a backstop for a claimant that is alive but stuck; a
	// dead one's claims are released as soon as its heartbeat lapses.
	LeaseUntil *time.Time
	// Claim is the token of the current claim: every outcome is written
	// only if it still matches, so a claimant that lost the message (its
	// instance was taken for dead) cannot overwrite what another did.
	Claim string `gorm:"size:64;not null;default:''"`
	// ClaimedBy is the instance holding the claim.
	ClaimedBy string `gorm:"size:64;not null;default:''"`
	// AttemptedAt is set, under the claim, just before the Bot API call.
	AttemptedAt *time.Time
	// Attempts counts the calls made (claims given back unattempted do not
	// count).
	Attempts int `gorm:"not null;default:0"`
	// BlobID names the file a photo or document sends; the payload holds
	// no file bytes.
	BlobID *uint `gorm:"index:idx_outbox_blob,where:blob_id IS NOT NULL"`
	// Priority orders the chats whose turn it is: PriorityInteractive
	// before PriorityBulk. A chat's head is raised to the priority of an
	// interactive message queued behind it, which cannot overtake it.
	Priority int `gorm:"not null;default:0;index:idx_outbox_head,priority:2,where:head"`
	// Head marks the row holding its chat's queue: the oldest unfinished
	// one, or one just finished whose successor has not been promoted yet
	// (see Store.ClaimOutbox). Claiming walks the heads alone, so its cost
	// does not grow with the backlog.
	Head bool `gorm:"not null;default:false"`

	LastError string `gorm:"size:2000;not null;default:''"`
	// TelegramMessageID is the id Telegram gave the sent message (or, on an
	// edit, the message it edits). The index of replies holds only the rows
	// that have one: a message queued writes one index entry fewer.
	TelegramMessageID int `gorm:"not null;default:0;index:idx_outbox_chat_message,where:telegram_message_id <> 0"`
	// Purpose, TaskID and ReportID say what the message was about, so that
	// a reply to it can be read in context.
	Purpose   string `gorm:"size:24;not null;default:''"`
	TaskID    *uint
	ReportID  *uint
	CreatedAt time.Time
	SentAt    *time.Time
}

// Lease makes one instance of several on a database the leader of a job.
// Token grows with every new holder: it fences out a holder that lost the
// lease without noticing.
type Lease struct {
	Name      string    `gorm:"primaryKey;size:64"`
	Holder    string    `gorm:"size:64;not null"`
	Token     int64     `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
}

// Instance is one running taskbot process; its heartbeat says it is alive.
type Instance struct {
	ID          string    `gorm:"primaryKey;size:64"`
	Host        string    `gorm:"size:200;not null;default:''"`
	StartedAt   time.Time `gorm:"not null"`
	HeartbeatAt time.Time `gorm:"not null"`
}

// Blob is a file sent as a photo or document, stored once and referenced
// by the outbox rows that send it.
type Blob struct {
	ID        uint   `gorm:"primaryKey"`
	SHA256    string `gorm:"column:sha256;size:64;not null;uniqueIndex:idx_blobs_sha256"`
	Size      int64  `gorm:"not null"`
	Data      []byte `gorm:"not null"`
	CreatedAt time.Time
	// UsedAt is when the blob was last queued: pruning keeps a blob queued
	// again recently even while the row that references it is uncommitted.
	UsedAt *time.Time
}

// ScheduleKind says what a schedule sends.
type ScheduleKind string

const (
	ScheduleReminder ScheduleKind = "reminder"
	ScheduleSummary  ScheduleKind = "summary"
	// ScheduleAdminSummary sends the summary of every task to an admin's
	// chat (admins are Telegram ids, not necessarily people of the list).
	ScheduleAdminSummary ScheduleKind = "admin_summary"
)

// Schedule is when a person is next due a reminder on a task (or, with
// TaskID 0, a summary). The database, not memory, decides what is due: the
// next slot is stored and advanced in the transaction that enqueues it.
type Schedule struct {
	ID       uint         `gorm:"primaryKey"`
	Kind     ScheduleKind `gorm:"size:16;not null;uniqueIndex:idx_schedule"`
	TaskID   uint         `gorm:"not null;default:0;uniqueIndex:idx_schedule"`
	PersonID uint         `gorm:"not null;uniqueIndex:idx_schedule"`
	// ChatID is the admin's chat of an admin summary, else 0.
	ChatID   int64  `gorm:"not null;default:0;uniqueIndex:idx_schedule"`
	Spec     string `gorm:"size:100;not null"`
	TimeZone string `gorm:"size:64;not null"`
	// NextWall is the next slot's local wall-clock time, the key that makes
	// a slot send once; NextFireAt is the same moment in UTC.
	NextWall   string    `gorm:"size:32;not null"`
	NextFireAt time.Time `gorm:"not null;index"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ReminderKind tells a scheduled reminder from the others.
type ReminderKind string

const (
	ReminderSlot     ReminderKind = "slot"
	ReminderFollowUp ReminderKind = "follow_up"
	ReminderManual   ReminderKind = "manual"
)

// Reminder records one reminder sent to one attendant about one task.
type Reminder struct {
	ID       uint         `gorm:"primaryKey"`
	TaskID   uint         `gorm:"not null;uniqueIndex:idx_reminder"`
	PersonID uint         `gorm:"not null;uniqueIndex:idx_reminder"`
	Kind     ReminderKind `gorm:"size:16;not null;uniqueIndex:idx_reminder"`
	// SlotKey is the slot's wall-clock time (or, for a manual reminder, the
	// moment it was asked for).
	SlotKey string    `gorm:"size:40;not null;uniqueIndex:idx_reminder"`
	SlotAt  time.Time `gorm:"not null"`
	// FollowUpAt is when to remind again if nobody has reported; NULL once
	// the follow-up is sent or no longer needed (see SettleFollowUps), so
	// that its index holds only the open ones.
	FollowUpAt   *time.Time `gorm:"index:idx_reminders_follow_up_open,where:follow_up_at IS NOT NULL"`
	FollowUpDone bool       `gorm:"not null;default:false"`
	CreatedAt    time.Time
}

// CalendarDay is a public holiday or an adjusted working day (调休).
type CalendarDay struct {
	ID        uint   `gorm:"primaryKey"`
	Day       string `gorm:"size:10;not null;uniqueIndex"`
	Kind      string `gorm:"size:16;not null"`
	Name      string `gorm:"size:100;not null;default:''"`
	CreatedAt time.Time
}

// PendingReply is a status reply the bot could not read with certainty and
// asked about; the answer's button completes it.
type PendingReply struct {
	ID         uint   `gorm:"primaryKey"`
	PersonID   uint   `gorm:"not null;index"`
	TaskID     uint   `gorm:"not null"`
	ChatID     int64  `gorm:"not null"`
	MessageID  int    `gorm:"not null"`
	UpdateID   int64  `gorm:"not null"`
	Text       string `gorm:"size:8000;not null"`
	CreatedAt  time.Time
	ResolvedAt *time.Time
}

// SummaryMark remembers the light a task had in a person's last summary, so
// that the next one can mark what changed.
type SummaryMark struct {
	ID        uint  `gorm:"primaryKey"`
	PersonID  uint  `gorm:"not null;uniqueIndex:idx_summary_mark"`
	TaskID    uint  `gorm:"not null;uniqueIndex:idx_summary_mark"`
	Light     Light `gorm:"size:16;not null"`
	UpdatedAt time.Time
}

// CloseRequest asks the contracting leader to close (销号) a task whose
// milestones are all done; the task is done only once approved.
type CloseRequest struct {
	ID uint `gorm:"primaryKey"`
	// TaskID has at most one undecided request.
	TaskID      uint   `gorm:"not null;index;uniqueIndex:idx_close_request_open,where:decision = ''"`
	RequestedBy uint   `gorm:"not null"`
	DecidedBy   *uint  `gorm:""`
	Decision    string `gorm:"size:16;not null;default:''"`
	Reason      string `gorm:"size:2000;not null;default:''"`
	// Basis lists the report each milestone stood on when the close-out
	// was asked for; approval refuses if any of them changed since.
	Basis     string `gorm:"size:2000;not null;default:''"`
	CreatedAt time.Time
	DecidedAt *time.Time
}

// Extension decisions.
const (
	ExtensionApproved = "approved"
	ExtensionRefused  = "refused"
)

// ExtensionRequest asks a milestone's contracting leader to move its due
// date (延期申请). It is asked before the due date, and open until a leader
// decides; approval moves the due date and the baseline.
type ExtensionRequest struct {
	ID     uint `gorm:"primaryKey"`
	TaskID uint `gorm:"not null;index"`
	// MilestoneID has at most one undecided request.
	MilestoneID uint `gorm:"not null;index;uniqueIndex:idx_extension_open,where:decision = ''"`
	RequestedBy uint `gorm:"not null"`
	// FromDue is the due date when the request was made; NewDue the one
	// asked for. Both are calendar dates at midnight UTC.
	FromDue   time.Time `gorm:"not null"`
	NewDue    time.Time `gorm:"not null"`
	Reason    string    `gorm:"size:2000;not null"`
	Decision  string    `gorm:"size:16;not null;default:''"`
	DecidedBy *uint
	// Answer is the leader's reason for a refusal.
	Answer    string `gorm:"size:2000;not null;default:''"`
	CreatedAt time.Time
	DecidedAt *time.Time
}

// Period is a window of calendar days the district assesses its tasks
// over (考核期): a calendar quarter, which exists without being added and is
// named like "2027Q1", or a window an admin names ("2027Q1 开门红").
// Periods may overlap. FirstDay and LastDay are calendar days kept as
// midnight UTC like due dates, both included.
type Period struct {
	ID        uint      `gorm:"primaryKey"`
	Name      string    `gorm:"size:64;not null;uniqueIndex:idx_periods_name"`
	FirstDay  time.Time `gorm:"not null"`
	LastDay   time.Time `gorm:"not null"`
	CreatedAt time.Time
}

// PeriodSnapshot is a period's figures frozen when it ended (定格), once,
// for good: afterwards the period is read from it, and a change to the
// ledger shows as a note, never as a new figure. PeriodKey is the
// period's name ("2027Q1", or a named period's).
type PeriodSnapshot struct {
	ID        uint      `gorm:"primaryKey"`
	PeriodKey string    `gorm:"size:64;not null;uniqueIndex:idx_period_snapshots_key"`
	FirstDay  time.Time `gorm:"not null"`
	LastDay   time.Time `gorm:"not null"`
	FrozenAt  time.Time `gorm:"not null"`
	// AnnouncedAt is when the leaders' cards and the admins' table were
	// queued (or found too late to send); nil until then. It is the only
	// column that changes after the snapshot is taken.
	AnnouncedAt *time.Time
}

// PeriodFigure is one scope's frozen figures.
type PeriodFigure struct {
	ID         uint      `gorm:"primaryKey"`
	SnapshotID uint      `gorm:"not null;uniqueIndex:idx_period_figure"`
	Scope      ScopeKind `gorm:"size:16;not null;uniqueIndex:idx_period_figure"`
	ScopeKey   string    `gorm:"size:200;not null;uniqueIndex:idx_period_figure"`
	Name       string    `gorm:"size:200;not null;default:''"`
	Title      string    `gorm:"size:800;not null;default:''"`
	Figures    `gorm:"embedded"`
}

// Visit is a leader's front-line visit (走一线) to one or more tasks, or to
// none (a trip to meet investors).
type Visit struct {
	ID uint `gorm:"primaryKey"`
	// PersonID has at most one draft.
	PersonID uint      `gorm:"not null;index;uniqueIndex:idx_visit_draft,where:state = 'draft'"`
	Kind     VisitKind `gorm:"size:16;not null;default:''"`
	State    string    `gorm:"size:16;not null;default:draft"`
	// Text is the findings as written.
	Text string `gorm:"size:4000;not null;default:''"`
	// Lat and Lon are set together, with LocationSource; LiveSeconds is
	// how long a live location was shared (only its first point is kept,
	// never a track).
	Lat            *float64
	Lon            *float64
	LocationSource string `gorm:"size:16;not null;default:''"`
	LiveSeconds    int    `gorm:"not null;default:0"`
	StartedAt      time.Time
	SavedAt        *time.Time `gorm:"index"`
	Tasks          []VisitTask
	Findings       []VisitFinding
	Files          []VisitFile
}

// VisitTask is one task a visit was about.
type VisitTask struct {
	ID      uint `gorm:"primaryKey"`
	VisitID uint `gorm:"not null;uniqueIndex:idx_visit_task"`
	TaskID  uint `gorm:"not null;uniqueIndex:idx_visit_task;index"`
}

// VisitFinding is one finding of a visit; a finding that needs
// coordination names the request it opened once the visit is saved.
type VisitFinding struct {
	ID             uint        `gorm:"primaryKey"`
	VisitID        uint        `gorm:"not null;index"`
	Seq            int         `gorm:"not null"`
	Kind           FindingKind `gorm:"size:16;not null"`
	TaskID         *uint
	Text           string `gorm:"size:2000;not null"`
	CoordinationID *uint
}

// VisitFile is a photo or document kept as a visit's evidence.
type VisitFile struct {
	ID       uint   `gorm:"primaryKey"`
	VisitID  uint   `gorm:"not null;index"`
	Kind     string `gorm:"size:16;not null"`
	FileID   string `gorm:"size:200;not null"`
	FileName string `gorm:"size:200;not null;default:''"`
}

// AdminLanguage remembers the language an admin's Telegram client last
// showed. An admin need not be on the task list, and the bot writes to
// admins first (notices, summaries), while Telegram tells a user's
// language only on what they send.
type AdminLanguage struct {
	TelegramID int64  `gorm:"primaryKey;autoIncrement:false"`
	Language   string `gorm:"size:16;not null"`
	UpdatedAt  time.Time
}

// CommitmentVersion is one version of a leader's commitment (责任书) for a
// period: its canonical text and the text's SHA-256. Versions are never
// changed; a revision is a new version, and the newest of a leader and
// period supersedes the others.
type CommitmentVersion struct {
	ID       uint   `gorm:"primaryKey"`
	LeaderID uint   `gorm:"not null;uniqueIndex:idx_commitment_version"`
	Period   string `gorm:"size:64;not null;uniqueIndex:idx_commitment_version;index"`
	Version  int    `gorm:"not null;uniqueIndex:idx_commitment_version"`
	// Lang is the language of the text: the leader's when it was issued.
	Lang        string `gorm:"size:8;not null"`
	Text        string `gorm:"type:text;not null"`
	Fingerprint string `gorm:"size:64;not null"`
	// IssuedByID and IssuedByTelegramID are the admin who issued it (either
	// may be unset: an admin need not be a person of the list, and the
	// command line has no Telegram account); IssuedVia is chat or cli.
	IssuedByID         *uint
	IssuedByTelegramID int64  `gorm:"not null;default:0"`
	IssuedVia          string `gorm:"size:16;not null;default:''"`
	IssuedAt           time.Time
}

// CommitmentEvent is a leader's signature of, or objection to, a version:
// append-only, with the Telegram account and update it came from. A
// version has at most one signature.
type CommitmentEvent struct {
	ID             uint   `gorm:"primaryKey"`
	VersionID      uint   `gorm:"not null;index;uniqueIndex:idx_commitment_signed,where:kind = 'signed'"`
	Kind           string `gorm:"size:16;not null"`
	PersonID       uint   `gorm:"not null"`
	TelegramUserID int64  `gorm:"not null;default:0"`
	// Fingerprint is the text's fingerprint as signed or objected to.
	Fingerprint string `gorm:"size:64;not null"`
	Method      string `gorm:"size:16;not null;default:''"`
	UpdateID    int64  `gorm:"not null;default:0"`
	// Text is an objection's.
	Text string `gorm:"size:2000;not null;default:''"`
	At   time.Time
}
