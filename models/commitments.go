package models

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Why an operation on a commitment (责任书) was refused; nothing is written
// in each case.
var (
	ErrCommitmentAdminsOnly = errors.New("only admins issue commitments")
	// ErrNotYourCommitment refuses anyone but the leader it names: a
	// commitment is signed, or objected to, by its own leader only.
	ErrNotYourCommitment = errors.New("only the leader a commitment names may sign it or object to it")
	ErrNoContractedTasks = errors.New("the leader contracts no open task")
	// ErrCommitmentFingerprint refuses a signature given for another text
	// than the version's: what the signer was shown is not what is kept.
	ErrCommitmentFingerprint = errors.New("the fingerprint signed is not the commitment's")
	ErrCommitmentUnchanged   = errors.New("the revised text is the same as the current version's")
	ErrObjectionEmpty        = errors.New("an objection says what is objected to")
	ErrCommitmentTemplate    = errors.New("bad commitment template")
	ErrCommitmentPeriod      = errors.New("a commitment's period is a year (2027), a quarter (2027Q1) or a named period")
)

// ErrCommitmentSuperseded matches a *CommitmentSupersededError.
var ErrCommitmentSuperseded = errors.New("the commitment was superseded by a newer version")

// CommitmentSupersededError refuses to sign or object to a version a
// revision replaced; Current is the version to read and sign instead.
type CommitmentSupersededError struct{ Version, Current CommitmentVersion }

func (e *CommitmentSupersededError) Error() string {
	return fmt.Sprintf("commitment version %d superseded by version %d", e.Version.ID, e.Current.ID)
}

func (e *CommitmentSupersededError) Is(target error) bool { return target == ErrCommitmentSuperseded }

// ErrCommitmentSigned matches a *CommitmentSignedError.
var ErrCommitmentSigned = errors.New("the commitment is signed already")

// CommitmentSignedError refuses a second signature (a double tap) or an
// objection after signing; Signature is the one on record.
type CommitmentSignedError struct{ Signature CommitmentEvent }

func (e *CommitmentSignedError) Error() string {
	return fmt.Sprintf("commitment version %d signed already at %s", e.Signature.VersionID, e.Signature.At.UTC().Format(time.RFC3339))
}

func (e *CommitmentSignedError) Is(target error) bool { return target == ErrCommitmentSigned }

// Kinds of commitment events.
const (
	CommitmentSignedEvent   = "signed"
	CommitmentObjectedEvent = "objected"
)

// DeferredCommitment is a commitment version's PDF (DeferredFile.ID names
// the version), drawn as its message goes out.
const DeferredCommitment = "commitment"

// How a commitment was issued or signed.
const (
	ViaChat = "chat"
	ViaCLI  = "cli"
)

// Actor is who acts on a commitment: a bound person, an admin of the bot
// (in chat by their Telegram id, or the operator of the command line), or
// both.
type Actor struct {
	PersonID   *uint
	TelegramID int64
	Admin      bool
	// Via is how they act: ViaChat or ViaCLI.
	Via string
}

// CommitmentWords are the fixed parts of a commitment in one language, as
// the district writes them. {name}-like placeholders are filled in by
// fillWords; nothing else in them is read.
type CommitmentWords struct {
	Title          string   `toml:"title"`
	Preamble       string   `toml:"preamble"`
	Leader         string   `toml:"leader"`
	Department     string   `toml:"department"`
	Period         string   `toml:"period"`
	TasksHeading   string   `toml:"tasks_heading"`
	TaskDepartment string   `toml:"task_department"`
	Milestone      string   `toml:"milestone"`
	TargetsHeading string   `toml:"targets_heading"`
	Target         string   `toml:"target"`
	ClausesHeading string   `toml:"clauses_heading"`
	Clauses        []string `toml:"clauses"`
	Closing        string   `toml:"closing"`
	Signature      string   `toml:"signature"`
}

// CommitmentTemplate holds the fixed parts in Chinese ("zh") and English
// ("en").
type CommitmentTemplate map[string]CommitmentWords

//go:embed commitment_template.toml
var defaultCommitmentTemplate []byte

// DefaultCommitmentTemplateText is the embedded template, a starting point
// for the district's own.
func DefaultCommitmentTemplateText() []byte { return bytes.Clone(defaultCommitmentTemplate) }

// DefaultCommitmentTemplate is the embedded template, parsed.
func DefaultCommitmentTemplate() CommitmentTemplate {
	t, err := ParseCommitmentTemplate(defaultCommitmentTemplate)
	if err != nil {
		panic(fmt.Sprintf("embedded commitment template: %v", err))
	}
	return t
}

// Limits of a template: a commitment is a page or two, not a book.
const (
	maxTemplateBytes  = 64 << 10
	maxTemplateField  = 1000
	maxTemplateClause = 50
)

// ParseCommitmentTemplate reads a template file (TOML, see
// commitment_template.toml): both languages, every part given, no key it
// does not know, each part one line of at most 1000 characters.
func ParseCommitmentTemplate(data []byte) (CommitmentTemplate, error) {
	if len(data) > maxTemplateBytes {
		return nil, fmt.Errorf("%w: larger than %d KiB", ErrCommitmentTemplate, maxTemplateBytes>>10)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrCommitmentTemplate)
	}
	var t CommitmentTemplate
	md, err := toml.Decode(string(data), &t)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCommitmentTemplate, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return nil, fmt.Errorf("%w: unknown key %s", ErrCommitmentTemplate, extra[0])
	}
	for _, lang := range []string{"zh", "en"} {
		w, ok := t[lang]
		if !ok {
			return nil, fmt.Errorf("%w: no [%s] section", ErrCommitmentTemplate, lang)
		}
		if err := w.check(); err != nil {
			return nil, fmt.Errorf("%w: [%s] %w", ErrCommitmentTemplate, lang, err)
		}
	}
	for lang := range t {
		if lang != "zh" && lang != "en" {
			return nil, fmt.Errorf("%w: unknown language [%s]", ErrCommitmentTemplate, lang)
		}
	}
	return t, nil
}

func (w CommitmentWords) check() error {
	fields := []struct{ key, value string }{
		{"title", w.Title}, {"preamble", w.Preamble}, {"leader", w.Leader}, {"department", w.Department},
		{"period", w.Period}, {"tasks_heading", w.TasksHeading}, {"task_department", w.TaskDepartment},
		{"milestone", w.Milestone}, {"targets_heading", w.TargetsHeading}, {"target", w.Target},
		{"clauses_heading", w.ClausesHeading}, {"closing", w.Closing}, {"signature", w.Signature},
	}
	for i, c := range w.Clauses {
		fields = append(fields, struct{ key, value string }{fmt.Sprintf("clauses[%d]", i+1), c})
	}
	if len(w.Clauses) == 0 {
		return errors.New("no clauses")
	}
	if len(w.Clauses) > maxTemplateClause {
		return fmt.Errorf("more than %d clauses", maxTemplateClause)
	}
	for _, f := range fields {
		switch {
		case strings.TrimSpace(f.value) == "":
			return fmt.Errorf("%s is empty", f.key)
		case utf8.RuneCountInString(f.value) > maxTemplateField:
			return fmt.Errorf("%s is longer than %d characters", f.key, maxTemplateField)
		case strings.ContainsAny(f.value, "\r\n"):
			return fmt.Errorf("%s spans several lines", f.key)
		}
	}
	return nil
}

// words is the template's language lang, Chinese when it has no other.
func (t CommitmentTemplate) words(lang string) CommitmentWords {
	if w, ok := t[lang]; ok {
		return w
	}
	return t["zh"]
}

var placeholder = regexp.MustCompile(`\{(period|name|department|count|from|to|seq|title|due)\}`)

// fill puts values in a template line's placeholders; one it has no value
// for stays empty.
func fill(line string, values map[string]string) string {
	return placeholder.ReplaceAllStringFunc(line, func(m string) string { return values[m[1:len(m)-1]] })
}

// canonicalLine is s as a commitment keeps it: NFC, one line, no control
// characters, single spaces, trimmed. The same ledger gives the same bytes
// whatever the way a name or title was typed.
func canonicalLine(s string) string {
	s = norm.NFC.String(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError:
			return -1
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// CommitmentPeriod reads the period of a commitment: a year ("2027", all of
// it), or a period FindPeriod knows (a quarter, a named window).
func CommitmentPeriod(tx *gorm.DB, name string) (Period, error) {
	name = strings.TrimSpace(name)
	if len(name) == 4 {
		if year, err := strconv.Atoi(name); err == nil && year >= 2000 && year <= 2100 {
			first := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
			return Period{Name: name, FirstDay: first, LastDay: first.AddDate(1, 0, -1)}, nil
		}
	}
	p, err := FindPeriod(tx, name)
	if errors.Is(err, ErrPeriodUnknown) {
		return Period{}, fmt.Errorf("%q: %w", name, ErrCommitmentPeriod)
	}
	return p, err
}

// CommitmentYear is the year holding today, the period commitments are
// issued for unless another is named.
func CommitmentYear(today time.Time) Period {
	first := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: strconv.Itoa(today.Year()), FirstDay: first, LastDay: first.AddDate(1, 0, -1)}
}

// commitmentTargets are the periods whose targets a commitment for p
// states: for a year its quarters and the named periods within it, else p.
func commitmentTargets(tx *gorm.DB, p Period) ([]Period, error) {
	if _, _, ok := p.Quarter(); ok || p.ID != 0 || p.Days() < 365 {
		return []Period{p}, nil
	}
	var out []Period
	for q := QuarterOf(p.FirstDay); !q.FirstDay.After(p.LastDay); q = QuarterOf(q.LastDay.AddDate(0, 0, 1)) {
		out = append(out, q)
	}
	named, err := NamedPeriods(tx)
	if err != nil {
		return nil, err
	}
	for _, n := range named {
		if !n.FirstDay.Before(p.FirstDay) && !n.LastDay.After(p.LastDay) {
			out = append(out, n)
		}
	}
	sortPeriods(out)
	return out, nil
}

// CommitmentDraft is what a leader's commitment states: their open
// contracted tasks with their milestones, the targets of the period, and
// the template's fixed parts in their language.
type CommitmentDraft struct {
	Leader  Person
	Period  Period
	Lang    string
	Tasks   []TaskDetail
	Targets []Period
	Words   CommitmentWords
}

// DraftCommitment gathers a leader's commitment as the ledger stands.
func DraftCommitment(tx *gorm.DB, leaderID uint, period Period, tmpl CommitmentTemplate) (*CommitmentDraft, error) {
	var leader Person
	if err := tx.Take(&leader, leaderID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", leaderID))
	}
	var tasks []Task
	err := tx.Where("done = ? AND id IN (?)", false, tx.Model(&Assignment{}).Select("task_id").Where("person_id = ? AND role = ?", leaderID, RoleLeader)).
		Order("code").Find(&tasks).Error
	if err != nil {
		return nil, fmt.Errorf("tasks led by person %d: %w", leaderID, err)
	}
	details, err := loadDetails(tx, tasks)
	if err != nil {
		return nil, err
	}
	targets, err := commitmentTargets(tx, period)
	if err != nil {
		return nil, err
	}
	lang := leader.Language
	if lang != "en" {
		lang = "zh"
	}
	return &CommitmentDraft{Leader: leader, Period: period, Lang: lang, Tasks: details, Targets: targets, Words: tmpl.words(lang)}, nil
}

// Text is the commitment's canonical text: UTF-8 in NFC, lines joined by
// "\n" and ending with one, tasks by code and milestones by number, due
// dates as YYYY-MM-DD of the agreed (baseline) date. Its SHA-256 is the
// fingerprint a signature binds to, so nothing in it may depend on the
// order rows come back in, the reader's time zone or the clock.
func (d *CommitmentDraft) Text() string {
	w := d.Words
	var lines []string
	add := func(line string) { lines = append(lines, canonicalLine(line)) }
	blank := func() { lines = append(lines, "") }
	name := canonicalLine(d.Leader.Name)
	base := map[string]string{"period": d.Period.Name, "name": name, "department": canonicalLine(d.Leader.Department)}
	add(fill(w.Title, base))
	add(fill(w.Leader, base))
	if base["department"] != "" {
		add(fill(w.Department, base))
	}
	add(fill(w.Period, base))
	blank()
	add(fill(w.Preamble, base))
	blank()
	add(w.TasksHeading)
	tasks := slices.Clone(d.Tasks)
	slices.SortFunc(tasks, func(a, b TaskDetail) int { return strings.Compare(a.Task.Code, b.Task.Code) })
	for _, t := range tasks {
		add(t.Task.Code + " " + t.Task.Title)
		if dept := canonicalLine(t.Task.Department); dept != "" {
			add(fill(w.TaskDepartment, map[string]string{"department": dept}))
		}
		ms := slices.Clone(t.Milestones)
		slices.SortFunc(ms, func(a, b Milestone) int { return a.Seq - b.Seq })
		for _, m := range ms {
			add(fill(w.Milestone, map[string]string{"seq": strconv.Itoa(m.Seq), "title": canonicalLine(m.Title), "due": day(m.Baseline())}))
		}
	}
	blank()
	add(w.TargetsHeading)
	for _, p := range d.Targets {
		n := 0
		for _, t := range d.Tasks {
			for _, m := range t.Milestones {
				if p.Contains(m.Baseline()) {
					n++
				}
			}
		}
		add(fill(w.Target, map[string]string{"period": p.Name, "from": day(p.FirstDay), "to": day(p.LastDay), "count": strconv.Itoa(n)}))
	}
	blank()
	add(w.ClausesHeading)
	for i, c := range w.Clauses {
		add(fmt.Sprintf("%d. %s", i+1, c))
	}
	blank()
	add(fill(w.Closing, base))
	add(fill(w.Signature, base) + name)
	return strings.Join(lines, "\n") + "\n"
}

// Fingerprint is the SHA-256 of a commitment's text, in hex.
func Fingerprint(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// ShortFingerprint is how a fingerprint is shown to a person: its first
// and last four hex digits ("3f9a…c21e").
func ShortFingerprint(fp string) string {
	if len(fp) <= 8 {
		return fp
	}
	return fp[:4] + "…" + fp[len(fp)-4:]
}

// CurrentCommitment is the leader's newest version for the period, nil
// when none was issued. Versions are never changed: the newest supersedes
// the others.
func CurrentCommitment(tx *gorm.DB, leaderID uint, period string) (*CommitmentVersion, error) {
	var vs []CommitmentVersion
	if err := tx.Where("leader_id = ? AND period = ?", leaderID, period).Order("version DESC").Limit(1).Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("current commitment of person %d for %s: %w", leaderID, period, err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return &vs[0], nil
}

// CommitmentByID loads a version.
func CommitmentByID(tx *gorm.DB, id uint) (*CommitmentVersion, error) {
	var v CommitmentVersion
	if err := tx.Take(&v, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("commitment version %d", id))
	}
	return &v, nil
}

// IssueCommitment prepares the leader's commitment for period: a first
// version, or, when the text changed since the current one (a task, a
// milestone, a due date or the template), a new version that supersedes
// it and needs a new signature. An unchanged text issues nothing and
// returns the current version with issued false, so issuing again is
// harmless. Only admins issue.
func IssueCommitment(tx *gorm.DB, by Actor, leaderID uint, period Period, tmpl CommitmentTemplate, now time.Time) (v *CommitmentVersion, issued bool, err error) {
	if !by.Admin {
		return nil, false, ErrCommitmentAdminsOnly
	}
	current, err := CurrentCommitment(tx, leaderID, period.Name)
	if err != nil {
		return nil, false, err
	}
	return issueVersion(tx, by, leaderID, period, current, tmpl, now)
}

// SupersedeCommitment revises the current version v names, with the
// ledger as it stands and tmpl: the new version supersedes it and needs a
// new signature, also when v was signed. Refused for a version already
// superseded, and for a revision that changes nothing. Only admins revise.
func SupersedeCommitment(tx *gorm.DB, by Actor, versionID uint, tmpl CommitmentTemplate, now time.Time) (*CommitmentVersion, error) {
	if !by.Admin {
		return nil, ErrCommitmentAdminsOnly
	}
	v, err := CommitmentByID(tx, versionID)
	if err != nil {
		return nil, err
	}
	if err := checkCurrent(tx, v); err != nil {
		return nil, err
	}
	period, err := CommitmentPeriod(tx, v.Period)
	if err != nil {
		return nil, err
	}
	next, issued, err := issueVersion(tx, by, v.LeaderID, period, v, tmpl, now)
	if err != nil {
		return nil, err
	}
	if !issued {
		return nil, ErrCommitmentUnchanged
	}
	return next, nil
}

func issueVersion(tx *gorm.DB, by Actor, leaderID uint, period Period, current *CommitmentVersion, tmpl CommitmentTemplate, now time.Time) (*CommitmentVersion, bool, error) {
	d, err := DraftCommitment(tx, leaderID, period, tmpl)
	if err != nil {
		return nil, false, err
	}
	if len(d.Tasks) == 0 {
		return nil, false, ErrNoContractedTasks
	}
	text := d.Text()
	fp := Fingerprint(text)
	if current != nil && current.Fingerprint == fp {
		return current, false, nil
	}
	v := CommitmentVersion{LeaderID: leaderID, Period: period.Name, Version: 1, Lang: d.Lang, Text: text, Fingerprint: fp,
		IssuedByID: by.PersonID, IssuedByTelegramID: by.TelegramID, IssuedVia: by.Via, IssuedAt: now}
	kind, detail := "commitment_issued", ""
	if current != nil {
		v.Version = current.Version + 1
		kind, detail = "commitment_superseded", fmt.Sprintf("; supersedes version %d (%s)", current.Version, current.Fingerprint)
	}
	if err := tx.Create(&v).Error; err != nil {
		return nil, false, fmt.Errorf("issue commitment of person %d for %s: %w", leaderID, period.Name, err)
	}
	detail = fmt.Sprintf("commitment %d of %s for %s, version %d, fingerprint %s%s", v.ID, d.Leader.Key, v.Period, v.Version, v.Fingerprint, detail)
	if err := Audit(tx, by.PersonID, nil, kind, detail); err != nil {
		return nil, false, err
	}
	return &v, true, nil
}

// checkCurrent refuses a version a newer one superseded.
func checkCurrent(tx *gorm.DB, v *CommitmentVersion) error {
	current, err := CurrentCommitment(tx, v.LeaderID, v.Period)
	if err != nil {
		return err
	}
	if current != nil && current.ID != v.ID {
		return &CommitmentSupersededError{Version: *v, Current: *current}
	}
	return nil
}

// CommitmentSignature is the version's signature, nil when unsigned.
func CommitmentSignature(tx *gorm.DB, versionID uint) (*CommitmentEvent, error) {
	var es []CommitmentEvent
	if err := tx.Where("version_id = ? AND kind = ?", versionID, CommitmentSignedEvent).Limit(1).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("signature of commitment %d: %w", versionID, err)
	}
	if len(es) == 0 {
		return nil, nil
	}
	return &es[0], nil
}

// CommitmentToSign loads a version by may sign or object to now, with the
// reasons ownCurrentVersion refuses it for.
func CommitmentToSign(tx *gorm.DB, by Actor, versionID uint) (*CommitmentVersion, error) {
	return ownCurrentVersion(tx, by, versionID)
}

// ownCurrentVersion loads a version by may sign or object to now: their
// own (ErrNotYourCommitment), current (*CommitmentSupersededError), not
// signed yet (*CommitmentSignedError).
func ownCurrentVersion(tx *gorm.DB, by Actor, versionID uint) (*CommitmentVersion, error) {
	v, err := CommitmentByID(tx, versionID)
	if err != nil {
		return nil, err
	}
	if by.PersonID == nil || *by.PersonID != v.LeaderID {
		return nil, ErrNotYourCommitment
	}
	if err := checkCurrent(tx, v); err != nil {
		return nil, err
	}
	signed, err := CommitmentSignature(tx, v.ID)
	if err != nil {
		return nil, err
	}
	if signed != nil {
		return nil, &CommitmentSignedError{Signature: *signed}
	}
	return v, nil
}

// MinSignedFingerprint is how much of a fingerprint a signature must
// give: the whole, or its first 32 hex digits (128 bits), which is what a
// Telegram button can carry.
const MinSignedFingerprint = 32

// Signing is a leader's signature as given: the version and the
// fingerprint they were shown (see MinSignedFingerprint), and where it
// came from.
type Signing struct {
	VersionID   uint
	Fingerprint string
	Method      string
	// UpdateID is the Telegram update that carried it (0 for none).
	UpdateID int64
}

// SignCommitment records the leader's signature of their current version.
// The fingerprint must be the version's: a signature binds to the text
// the signer was shown. Signing twice is refused with the first signature
// (*CommitmentSignedError), so a double tap records one.
func SignCommitment(tx *gorm.DB, by Actor, s Signing, now time.Time) (*CommitmentEvent, error) {
	v, err := ownCurrentVersion(tx, by, s.VersionID)
	if err != nil {
		return nil, err
	}
	if len(s.Fingerprint) < MinSignedFingerprint || !strings.HasPrefix(v.Fingerprint, s.Fingerprint) {
		return nil, ErrCommitmentFingerprint
	}
	e := CommitmentEvent{VersionID: v.ID, Kind: CommitmentSignedEvent, PersonID: v.LeaderID, TelegramUserID: by.TelegramID,
		Fingerprint: v.Fingerprint, Method: s.Method, UpdateID: s.UpdateID, At: now}
	if err := tx.Create(&e).Error; err != nil {
		return nil, fmt.Errorf("sign commitment %d: %w", v.ID, err)
	}
	detail := fmt.Sprintf("commitment %d version %d for %s signed by telegram user %d via %s, fingerprint %s", v.ID, v.Version, v.Period, by.TelegramID, s.Method, v.Fingerprint)
	return &e, Audit(tx, by.PersonID, nil, "commitment_signed", detail)
}

// maxObjection bounds an objection's text.
const maxObjection = 2000

// ObjectCommitment records the leader's objection to their current
// version, for the admins to answer (by a revision, which supersedes it).
// Refused once signed.
func ObjectCommitment(tx *gorm.DB, by Actor, versionID uint, text string, updateID int64, now time.Time) (*CommitmentEvent, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ErrObjectionEmpty
	}
	v, err := ownCurrentVersion(tx, by, versionID)
	if err != nil {
		return nil, err
	}
	e := CommitmentEvent{VersionID: v.ID, Kind: CommitmentObjectedEvent, PersonID: v.LeaderID, TelegramUserID: by.TelegramID,
		Fingerprint: v.Fingerprint, Method: by.Via, UpdateID: updateID, Text: truncate(text, maxObjection), At: now}
	if err := tx.Create(&e).Error; err != nil {
		return nil, fmt.Errorf("objection to commitment %d: %w", v.ID, err)
	}
	return &e, Audit(tx, by.PersonID, nil, "commitment_objected", fmt.Sprintf("commitment %d version %d: %s", v.ID, v.Version, truncate(e.Text, 500)))
}

// CommitmentState is where a leader's commitment for a period stands.
type CommitmentState string

const (
	CommitmentNotIssued CommitmentState = "not_issued"
	CommitmentUnsigned  CommitmentState = "unsigned"
	CommitmentObjected  CommitmentState = "objected"
	CommitmentSigned    CommitmentState = "signed"
)

// LeaderCommitment is one leader's commitment for a period: the current
// version (nil when none was issued), its signature or latest objection.
type LeaderCommitment struct {
	Leader    Person
	State     CommitmentState
	Current   *CommitmentVersion
	Signature *CommitmentEvent
	Objection *CommitmentEvent
}

// CommitmentProgress is who has signed the period's commitment: every
// leader who contracts an open task, by name.
type CommitmentProgress struct {
	Period  string
	Leaders []LeaderCommitment
	Signed  int
}

// Unsigned lists the leaders whose current commitment is not signed, or
// who have none yet.
func (p CommitmentProgress) Unsigned() []LeaderCommitment {
	var out []LeaderCommitment
	for _, l := range p.Leaders {
		if l.State != CommitmentSigned {
			out = append(out, l)
		}
	}
	return out
}

// CommitmentProgressOf reads the period's progress (签订进度).
func CommitmentProgressOf(tx *gorm.DB, period string) (CommitmentProgress, error) {
	out := CommitmentProgress{Period: period}
	leaders, err := ContractingLeaders(tx)
	if err != nil {
		return out, err
	}
	var versions []CommitmentVersion
	if err := tx.Where("period = ?", period).Order("leader_id, version").Find(&versions).Error; err != nil {
		return out, fmt.Errorf("commitments for %s: %w", period, err)
	}
	current := map[uint]*CommitmentVersion{}
	var ids []uint
	for i := range versions {
		current[versions[i].LeaderID] = &versions[i]
	}
	for _, v := range current {
		ids = append(ids, v.ID)
	}
	events := map[uint][]CommitmentEvent{}
	for _, chunk := range IDChunks(ids) {
		var es []CommitmentEvent
		if err := tx.Where("version_id IN ?", chunk).Order("id").Find(&es).Error; err != nil {
			return out, fmt.Errorf("commitment events for %s: %w", period, err)
		}
		for _, e := range es {
			events[e.VersionID] = append(events[e.VersionID], e)
		}
	}
	for _, p := range leaders {
		l := LeaderCommitment{Leader: p, State: CommitmentNotIssued, Current: current[p.ID]}
		if l.Current != nil {
			l.State = CommitmentUnsigned
			for _, e := range events[l.Current.ID] {
				switch e.Kind {
				case CommitmentSignedEvent:
					l.Signature = &e
				case CommitmentObjectedEvent:
					l.Objection = &e
				}
			}
			switch {
			case l.Signature != nil:
				l.State = CommitmentSigned
				out.Signed++
			case l.Objection != nil:
				l.State = CommitmentObjected
			}
		}
		out.Leaders = append(out.Leaders, l)
	}
	return out, nil
}

// ContractingLeaders lists the people who lead an open task, by name:
// those who sign commitments.
func ContractingLeaders(tx *gorm.DB) ([]Person, error) {
	var out []Person
	err := tx.Where("id IN (?)", tx.Model(&Assignment{}).Select("assignments.person_id").
		Joins("JOIN tasks ON tasks.id = assignments.task_id").Where("assignments.role = ? AND tasks.done = ?", RoleLeader, false)).
		Order("key").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("contracting leaders: %w", err)
	}
	return out, nil
}

// IsContractingLeader tells whether the person leads an open task: one
// who signs a commitment.
func IsContractingLeader(tx *gorm.DB, personID uint) (bool, error) {
	var n int64
	err := tx.Model(&Assignment{}).Joins("JOIN tasks ON tasks.id = assignments.task_id").
		Where("assignments.person_id = ? AND assignments.role = ? AND tasks.done = ?", personID, RoleLeader, false).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("leader roles of person %d: %w", personID, err)
	}
	return n > 0, nil
}

// CommitmentRecord is one version with everything that happened to it,
// for verification: anyone can hash Text and compare with Fingerprint.
type CommitmentRecord struct {
	Version    CommitmentVersion
	Leader     Person
	Superseded bool
	Events     []CommitmentEvent
}

// CommitmentRecords lists every version of every period, by period, leader
// and version, with its events in order.
func CommitmentRecords(tx *gorm.DB) ([]CommitmentRecord, error) {
	var versions []CommitmentVersion
	if err := tx.Order("period, leader_id, version").Find(&versions).Error; err != nil {
		return nil, fmt.Errorf("commitment versions: %w", err)
	}
	if len(versions) == 0 {
		return nil, nil
	}
	var events []CommitmentEvent
	if err := tx.Order("id").Find(&events).Error; err != nil {
		return nil, fmt.Errorf("commitment events: %w", err)
	}
	byVersion := map[uint][]CommitmentEvent{}
	for _, e := range events {
		byVersion[e.VersionID] = append(byVersion[e.VersionID], e)
	}
	ids := make([]uint, 0, len(versions))
	newest := map[string]int{}
	for _, v := range versions {
		ids = append(ids, v.LeaderID)
		key := fmt.Sprintf("%d/%s", v.LeaderID, v.Period)
		newest[key] = max(newest[key], v.Version)
	}
	people, err := PeopleByIDs(tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CommitmentRecord, 0, len(versions))
	for _, v := range versions {
		r := CommitmentRecord{Version: v, Events: byVersion[v.ID], Superseded: newest[fmt.Sprintf("%d/%s", v.LeaderID, v.Period)] > v.Version}
		if p := people[v.LeaderID]; p != nil {
			r.Leader = *p
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b CommitmentRecord) int {
		if c := strings.Compare(a.Version.Period, b.Version.Period); c != 0 {
			return c
		}
		if c := strings.Compare(a.Leader.Key, b.Leader.Key); c != 0 {
			return c
		}
		return a.Version.Version - b.Version.Version
	})
	return out, nil
}
