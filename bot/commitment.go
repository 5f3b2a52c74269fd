package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/bot/commitcmd"
	"taskbot/models"
	"taskbot/report"
)

// Purposes of the messages of commitments (责任书).
const (
	// purposeCommitment marks a leader's copy of a commitment.
	purposeCommitment = "commitment"
	// purposeCommitObjection (+ version id): the reply is the leader's
	// objection.
	purposeCommitObjection = "cobj:"
)

func (h *Handler) commitmentTemplate() models.CommitmentTemplate {
	if h.Commitments != nil {
		return h.Commitments
	}
	return models.DefaultCommitmentTemplate()
}

// commitmentTitle is the title of a version: its text's first line, cut
// short enough for a caption (1024 characters) with the fingerprint.
func commitmentTitle(v *models.CommitmentVersion) string {
	title, _, _ := strings.Cut(v.Text, "\n")
	return truncateRunes(title, 200)
}

// CommitmentIssue says what issuing commitments did.
type CommitmentIssue struct {
	Period models.Period
	// Issued counts new versions (first or superseding), Unchanged the
	// leaders whose current version still holds.
	Issued, Unchanged int
	// Offered counts the versions put before their leader now.
	Offered int
	// Unreachable names leaders with an unsigned version who cannot be
	// told (not bound, or blocked the bot): issuing again once they are
	// reaches them. NoTasks names leaders who contract no open task.
	Unreachable, NoTasks []string
}

// IssueCommitments issues the period's commitment of each leader (every
// contracting leader when leaders is nil) and puts each unsigned current
// version before its leader — once per version, however often it is
// issued. The chat's /commit and `taskbot commitments issue` both come
// here.
func (h *Handler) IssueCommitments(tx *gorm.DB, by models.Actor, leaders []models.Person, period models.Period, now time.Time) (CommitmentIssue, error) {
	res := CommitmentIssue{Period: period}
	if leaders == nil {
		var err error
		if leaders, err = models.ContractingLeaders(tx); err != nil {
			return res, err
		}
	}
	tmpl := h.commitmentTemplate()
	for i := range leaders {
		leader := &leaders[i]
		before, err := models.CurrentCommitment(tx, leader.ID, period.Name)
		if err != nil {
			return res, err
		}
		v, issued, err := models.IssueCommitment(tx, by, leader.ID, period, tmpl, now)
		switch {
		case errors.Is(err, models.ErrNoContractedTasks):
			res.NoTasks = append(res.NoTasks, leader.Key)
			continue
		case err != nil:
			return res, err
		case issued:
			res.Issued++
		default:
			res.Unchanged++
		}
		signed, err := models.CommitmentSignature(tx, v.ID)
		if err != nil {
			return res, err
		}
		if signed != nil {
			continue
		}
		if !reachable(leader) {
			res.Unreachable = append(res.Unreachable, leader.Key)
			continue
		}
		if err := h.offerCommitment(tx, v, before, leader, period); err != nil {
			return res, err
		}
		res.Offered++
	}
	return res, nil
}

// offerCommitment puts a version before its leader: what it states, the
// PDF (protected from forwarding and saving), and the buttons to sign or
// object: the old copy's buttons answer with a pointer to the new one. The
// keys name the version, so a version is offered once.
func (h *Handler) offerCommitment(tx *gorm.DB, v, before *models.CommitmentVersion, leader *models.Person, period models.Period) error {
	c := h.Catalog
	lang := personLang(leader)
	d, err := models.DraftCommitment(tx, leader.ID, period, h.commitmentTemplate())
	if err != nil {
		return err
	}
	milestones := 0
	for _, t := range d.Tasks {
		milestones += len(t.Milestones)
	}
	text := c.T(lang, "commit_offer", map[string]any{
		"Name": E(leader.Name), "Title": E(commitmentTitle(v)), "Version": v.Version,
		"Tasks": len(d.Tasks), "Milestones": milestones, "Short": models.ShortFingerprint(v.Fingerprint),
	})
	if before != nil && before.ID != v.ID {
		text += "\n" + c.T(lang, "commit_supersedes", map[string]any{"Old": before.Version})
	}
	ref := models.MessageRef{Purpose: purposeCommitment}
	tg := *leader.TelegramID
	key := fmt.Sprintf("commit:%d", v.ID)
	if err := models.EnqueueRef(tx, key+":offer", tg, models.OutSendMessage, models.Outgoing{Text: text}, ref); err != nil {
		return err
	}
	doc := models.Outgoing{
		Deferred:       &models.DeferredFile{Kind: models.DeferredCommitment, ID: v.ID, Lang: lang},
		ProtectContent: true,
		Buttons:        commitmentButtons(c, lang, v),
	}
	return models.EnqueueRef(tx, key+":pdf", tg, models.OutSendDocument, doc, ref)
}

func commitmentButtons(c *Catalog, lang string, v *models.CommitmentVersion) [][]models.Button {
	return [][]models.Button{{
		{Text: c.T(lang, "button_commit_sign", nil), Data: fmt.Sprintf("ks:%d", v.ID)},
		{Text: c.T(lang, "button_commit_object", nil), Data: fmt.Sprintf("ko:%d", v.ID)},
	}}
}

// drawCommitment draws a commitment's PDF as its message goes out: drawing
// it takes longer than a transaction that offers many should wait.
func (h *Handler) drawCommitment(ctx context.Context, db *gorm.DB, out models.Outgoing) (models.Outgoing, error) {
	v, err := models.CommitmentByID(db.WithContext(ctx), out.Deferred.ID)
	if err != nil {
		return out, err
	}
	pdf, err := report.CommitmentPDF(*v)
	if err != nil {
		return out, err
	}
	lang := out.Deferred.Lang
	out.Deferred, out.File = nil, pdf
	out.FileName = fmt.Sprintf("commitment-%s-v%d-%s.pdf", v.Period, v.Version, v.Fingerprint[:8])
	out.Text = h.Catalog.T(lang, "commit_pdf_caption", map[string]any{
		"Title": E(commitmentTitle(v)), "Version": v.Version, "Fingerprint": v.Fingerprint,
	})
	return out, nil
}

// commitCommand handles an admin's /commit: issue to everyone or to one
// leader, or show the progress (签订进度).
func (t *turn) commitCommand(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	if !who.admin {
		return t.reply(m.Chat.ID, c.T(who.lang, "commit_admins_only", nil))
	}
	cmd, problem := commitcmd.Parse(args)
	if problem != nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "commit_problem_"+string(problem.Kind), map[string]any{"Text": E(truncateRunes(problem.Text, 40))})+
			"\n"+c.T(who.lang, "commit_usage", nil))
	}
	period := models.CommitmentYear(t.today(who.person))
	if cmd.Period != "" {
		p, err := models.CommitmentPeriod(t.tx, cmd.Period)
		if errors.Is(err, models.ErrCommitmentPeriod) {
			return t.reply(m.Chat.ID, c.T(who.lang, "commit_period_unknown", map[string]any{"Period": E(cmd.Period)}))
		}
		if err != nil {
			return err
		}
		period = p
	}
	if !cmd.Issue() {
		return t.commitProgress(m.Chat.ID, who, period.Name)
	}
	var leaders []models.Person
	if cmd.Leader != "" {
		found, err := models.PeopleNamed(t.tx, cmd.Leader)
		if err != nil {
			return err
		}
		switch len(found) {
		case 0:
			return t.reply(m.Chat.ID, c.T(who.lang, "commit_leader_unknown", map[string]any{"Name": E(cmd.Leader)}))
		case 1:
		default:
			keys := make([]string, len(found))
			for i, p := range found {
				keys[i] = E(p.Key)
			}
			return t.reply(m.Chat.ID, c.T(who.lang, "commit_leader_ambiguous", map[string]any{"Name": E(cmd.Leader), "Keys": strings.Join(keys, c.T(who.lang, "list_sep", nil))}))
		}
		leaders = found
	}
	by := models.Actor{TelegramID: who.telegramID, Admin: true, Via: models.ViaChat}
	if who.person != nil {
		by.PersonID = &who.person.ID
	}
	res, err := t.h.IssueCommitments(t.tx, by, leaders, period, t.now)
	if err != nil {
		return err
	}
	if cmd.Leader != "" && len(res.NoTasks) == 1 {
		return t.reply(m.Chat.ID, c.T(who.lang, "commit_no_tasks", map[string]any{"Name": E(res.NoTasks[0])}))
	}
	text := c.T(who.lang, "commit_issued", map[string]any{"Period": E(period.Name), "New": res.Issued, "Same": res.Unchanged, "Offered": res.Offered})
	if len(res.Unreachable) > 0 {
		text += "\n" + c.T(who.lang, "commit_unreachable", map[string]any{"Names": E(strings.Join(res.Unreachable, c.T(who.lang, "list_sep", nil)))})
	}
	if err := t.reply(m.Chat.ID, text); err != nil {
		return err
	}
	return t.commitProgress(m.Chat.ID, who, period.Name)
}

// commitProgress tells an admin who has signed the period's commitment.
func (t *turn) commitProgress(chatID int64, who speaker, period string) error {
	p, err := models.CommitmentProgressOf(t.tx, period)
	if err != nil {
		return err
	}
	return t.reply(chatID, t.h.Render.CommitmentProgress(who.lang, p))
}

// CommitmentProgress renders "签订进度 37/89" and who has not signed, by
// where they stand.
func (r *Renderer) CommitmentProgress(lang string, p models.CommitmentProgress) string {
	c := r.Catalog
	lines := []string{c.T(lang, "commit_progress", map[string]any{"Signed": p.Signed, "Total": len(p.Leaders), "Period": E(p.Period)})}
	for _, st := range []models.CommitmentState{models.CommitmentObjected, models.CommitmentUnsigned, models.CommitmentNotIssued} {
		var names []string
		for _, l := range p.Leaders {
			if l.State == st {
				names = append(names, E(l.Leader.Key))
			}
		}
		if len(names) > 0 {
			lines = append(lines, c.T(lang, "commit_state_line", map[string]any{"State": c.T(lang, "commit_state_"+string(st), nil),
				"Names": strings.Join(names, c.T(lang, "list_sep", nil))}))
		}
	}
	return strings.Join(lines, "\n")
}

// signer is the speaker as the commitment rules know them.
func signer(who speaker) models.Actor {
	a := models.Actor{TelegramID: who.telegramID, Admin: who.admin, Via: models.ViaChat}
	if who.person != nil {
		a.PersonID = &who.person.ID
	}
	return a
}

// commitmentRefused answers a press or a reply the commitment rules
// refused; it reports false for an error that is not a refusal.
func (t *turn) commitmentRefused(err error, who speaker, chatID int64, q *tgmodels.CallbackQuery) (bool, error) {
	c := t.h.Catalog
	say := func(text string) error {
		if q != nil {
			return t.answer(q, text)
		}
		return t.reply(chatID, text)
	}
	var (
		superseded *models.CommitmentSupersededError
		signed     *models.CommitmentSignedError
	)
	switch {
	case models.IsNotFound(err), errors.Is(err, models.ErrNotYourCommitment):
		// Someone else's commitment reads like an expired button.
		return true, say(c.T(who.lang, "callback_expired", nil))
	case errors.As(err, &signed):
		at := signed.Signature.At.In(t.location(who.person)).Format("2006-01-02 15:04")
		return true, say(c.T(who.lang, "commit_already_signed", map[string]any{"At": at}))
	case errors.Is(err, models.ErrCommitmentFingerprint):
		return true, say(c.T(who.lang, "commit_fingerprint_changed", nil))
	case errors.Is(err, models.ErrObjectionEmpty):
		return true, say(c.T(who.lang, "commit_objection_empty", nil))
	case errors.As(err, &superseded):
		if q != nil {
			if err := t.answer(q, ""); err != nil {
				return true, err
			}
		}
		cur := superseded.Current
		text := c.T(who.lang, "commit_superseded", map[string]any{"Version": superseded.Version.Version, "Current": cur.Version,
			"Short": models.ShortFingerprint(cur.Fingerprint)})
		return true, t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: commitmentButtons(c, who.lang, &cur)})
	case err != nil:
		return false, err
	}
	return false, nil
}

// commitmentCallback handles the buttons of a commitment: "ks:<version>"
// (read and sign: asks once more, showing the fingerprint),
// "kc:<version>:<fingerprint>" (the confirmation) and "ko:<version>"
// (object: asks for the objection).
func (t *turn) commitmentCallback(q *tgmodels.CallbackQuery, who speaker, kind string, id uint, fp string) error {
	c := t.h.Catalog
	if kind == "kc" {
		return t.signCommitment(q, who, id, fp)
	}
	v, err := models.CommitmentToSign(t.tx, signer(who), id)
	if refused, err := t.commitmentRefused(err, who, q.From.ID, q); refused || err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	if kind == "ko" {
		text := c.T(who.lang, "commit_ask_objection", map[string]any{"Version": v.Version, "Title": E(commitmentTitle(v))})
		return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage,
			models.Outgoing{Text: text, ForceReply: true, Placeholder: c.T(who.lang, "commit_objection_placeholder", nil)},
			models.MessageRef{Purpose: purposeCommitObjection + strconv.FormatUint(uint64(v.ID), 10)})
	}
	text := c.T(who.lang, "commit_confirm", map[string]any{"Short": models.ShortFingerprint(v.Fingerprint), "Version": v.Version,
		"Title": E(commitmentTitle(v))})
	return t.send(q.From.ID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: [][]models.Button{{
		{Text: c.T(who.lang, "button_commit_confirm", nil), Data: fmt.Sprintf("kc:%d:%s", v.ID, v.Fingerprint[:models.MinSignedFingerprint])},
	}}})
}

// signCommitment records the confirmed signature, sends the receipt with
// the time and the fingerprint, and pins it in the leader's chat.
func (t *turn) signCommitment(q *tgmodels.CallbackQuery, who speaker, id uint, fp string) error {
	c := t.h.Catalog
	e, err := models.SignCommitment(t.tx, signer(who), models.Signing{VersionID: id, Fingerprint: fp, Method: models.ViaChat, UpdateID: t.upd.ID}, t.now)
	if refused, err := t.commitmentRefused(err, who, q.From.ID, q); refused || err != nil {
		return err
	}
	v, err := models.CommitmentByID(t.tx, e.VersionID)
	if err != nil {
		return err
	}
	if err := t.answer(q, c.T(who.lang, "commit_signed_short", nil)); err != nil {
		return err
	}
	if q.Message.Message != nil {
		// The confirmation loses its button: it is done.
		if err := t.send(q.From.ID, models.OutEditMarkup, models.Outgoing{EditMessageID: q.Message.Message.ID}); err != nil {
			return err
		}
	}
	loc := t.location(who.person)
	text := c.T(who.lang, "commit_receipt", map[string]any{
		"Title": E(commitmentTitle(v)), "Version": v.Version, "Fingerprint": v.Fingerprint,
		"At": e.At.In(loc).Format("2006-01-02 15:04:05") + " " + E(loc.String()),
	})
	receipt, err := models.EnqueueRefID(t.tx, fmt.Sprintf("commit:%d:receipt", v.ID), q.From.ID, models.OutSendMessage,
		models.Outgoing{Text: text}, models.MessageRef{Purpose: purposeCommitment})
	if err != nil {
		return err
	}
	return models.Enqueue(t.tx, fmt.Sprintf("commit:%d:pin", v.ID), q.From.ID, models.OutPinMessage,
		models.Outgoing{EditOutboxID: receipt, Silent: true})
}

// commitObjection takes the reply with a leader's objection and puts it
// before the admins.
func (t *turn) commitObjection(m *tgmodels.Message, who speaker, purpose string) error {
	c := t.h.Catalog
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeCommitObjection), 10, 64)
	if err != nil {
		return fmt.Errorf("commitment purpose %q: %w", purpose, err)
	}
	by := signer(who)
	by.TelegramID = m.From.ID
	e, err := models.ObjectCommitment(t.tx, by, uint(id), textOf(m), t.upd.ID, t.now)
	if refused, err := t.commitmentRefused(err, who, m.Chat.ID, nil); refused || err != nil {
		return err
	}
	v, err := models.CommitmentByID(t.tx, e.VersionID)
	if err != nil {
		return err
	}
	err = t.h.tellAdmins(t.tx, fmt.Sprintf("commit-objection:%d", e.ID), func(lang string) string {
		return c.T(lang, "commit_objection_admin", map[string]any{"Name": E(who.person.Key), "Title": E(commitmentTitle(v)),
			"Version": v.Version, "Short": models.ShortFingerprint(v.Fingerprint), "Text": E(e.Text)})
	})
	if err != nil {
		return err
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "commit_objection_sent", nil))
}
