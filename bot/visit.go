package bot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
)

// purposeVisit marks the question for a visit draft's findings; the
// draft's id follows.
const purposeVisit = "visit:"

// visitCommand handles /visit [T07 …]: a leader starts writing a
// front-line visit (走一线) and picks its kind.
func (t *turn) visitCommand(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	if who.person == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "visit_needs_person", nil))
	}
	codes := strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == ',' || r == '，' || r == '、' || r == '\n' })
	if len(codes) > 10 {
		return t.reply(m.Chat.ID, c.T(who.lang, "visit_usage", nil))
	}
	v, err := models.StartVisit(t.tx, who.person.ID, who.admin, codes, t.now)
	if refusal := t.visitRefusal(who.lang, err); refusal != "" {
		return t.reply(m.Chat.ID, refusal)
	}
	if err != nil {
		return err
	}
	var rows [][]models.Button
	for _, k := range models.VisitKinds {
		rows = append(rows, []models.Button{{Text: c.T(who.lang, "visit_kind_"+string(k), nil), Data: fmt.Sprintf("vk:%d:%s", v.ID, k)}})
	}
	rows = append(rows, []models.Button{{Text: c.T(who.lang, "visit_cancel", nil), Data: fmt.Sprintf("vc:%d", v.ID)}})
	text := c.T(who.lang, "visit_choose_kind", map[string]any{"Tasks": t.visitTaskNames(who.lang, v)})
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
}

// visitRefusal is the answer to a refused visit step, "" for an error that
// is not a refusal.
func (t *turn) visitRefusal(lang string, err error) string {
	c := t.h.Catalog
	var te *models.VisitTaskError
	var fe *models.FindingsError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &te) && te.Unknown:
		// Like /task: an unknown code and one the person may not see
		// read alike.
		return c.T(lang, "task_not_found", map[string]any{"Code": E(truncateRunes(te.Code, 32))})
	case errors.As(err, &te):
		return c.T(lang, "visit_not_your_task", map[string]any{"Code": E(te.Code)})
	case errors.As(err, &fe):
		return c.T(lang, "visit_findings_"+fe.Reason, map[string]any{"Line": fe.Line}) + "\n" + c.T(lang, "visit_findings_example", nil)
	case errors.Is(err, models.ErrNotVisitor):
		return c.T(lang, "visit_not_leader", nil)
	case errors.Is(err, models.ErrForwardedLocation):
		return c.T(lang, "visit_forwarded_location", nil)
	case errors.Is(err, models.ErrVisitLocation):
		return c.T(lang, "visit_bad_location", nil)
	case errors.Is(err, models.ErrVisitFiles):
		return c.T(lang, "visit_too_many_files", nil)
	case errors.Is(err, models.ErrVisitCoordinateTask):
		return c.T(lang, "visit_coordinate_task", nil) + "\n" + c.T(lang, "visit_findings_example", nil)
	case errors.Is(err, models.ErrVisitNoKind):
		return c.T(lang, "visit_no_kind", nil)
	case errors.Is(err, models.ErrNoVisitDraft), models.IsNotFound(err):
		return c.T(lang, "visit_no_draft", nil)
	}
	return ""
}

// visitCallback handles the draft's buttons: its kind, save and cancel.
func (t *turn) visitCallback(q *tgmodels.CallbackQuery, who speaker, kind string, id uint, arg string) error {
	c := t.h.Catalog
	lang := who.lang
	var err error
	switch kind {
	case "vk":
		if _, err = models.SetVisitKind(t.tx, who.person.ID, id, models.VisitKind(arg)); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.askFindings(q.From.ID, lang, id)
		}
	case "vc":
		if err = models.CancelVisit(t.tx, who.person.ID, id); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.send(q.From.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "visit_cancelled", nil), RemoveKeyboard: true})
		}
	case "vs":
		var v *models.Visit
		var opened []models.CoordinationRequest
		if v, opened, err = models.SaveVisit(t.tx, who.person.ID, who.admin, id, t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			text := c.T(lang, "visit_saved", map[string]any{"Found": v.Tally().Found, "Solved": v.Tally().Solved})
			if len(opened) > 0 {
				text += "\n" + c.T(lang, "visit_coordination_opened", map[string]any{"Count": len(opened)})
			}
			return t.send(q.From.ID, models.OutSendMessage, models.Outgoing{Text: text, RemoveKeyboard: true})
		}
	}
	if refusal := t.visitRefusal(lang, err); refusal != "" {
		if errors.Is(err, models.ErrNoVisitDraft) || models.IsNotFound(err) {
			// A button of a draft saved, cancelled or replaced since.
			return t.answer(q, c.T(lang, "callback_expired", nil))
		}
		if err := t.answer(q, ""); err != nil {
			return err
		}
		return t.reply(q.From.ID, refusal)
	}
	return err
}

// askFindings asks, with a forced reply, what the visit found.
func (t *turn) askFindings(chatID int64, lang string, visitID uint) error {
	c := t.h.Catalog
	text := c.T(lang, "visit_ask_findings", nil) + "\n" + c.T(lang, "visit_findings_example", nil)
	return models.EnqueueRef(t.tx, t.nextKey(), chatID, models.OutSendMessage,
		models.Outgoing{Text: text, ForceReply: true, Placeholder: c.T(lang, "visit_findings_placeholder", nil)},
		models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeVisit, visitID)})
}

// visitFindings takes the reply to the findings question; a location or
// photo sent as that reply is kept too.
func (t *turn) visitFindings(m *tgmodels.Message, who speaker, purpose string) error {
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeVisit), 10, 64)
	if err != nil {
		return fmt.Errorf("visit purpose %q: %w", purpose, err)
	}
	if m.Location != nil || len(attachmentsOf(m)) > 0 && textOf(m) == "" {
		return t.visitEvidence(m, who, uint(id))
	}
	_, err = models.SetVisitFindings(t.tx, who.person.ID, uint(id), textOf(m))
	if refusal := t.visitRefusal(who.lang, err); refusal != "" {
		if errors.Is(err, models.ErrNoVisitDraft) || models.IsNotFound(err) {
			return t.reply(m.Chat.ID, refusal)
		}
		// Nothing was kept: the question is asked again, to answer.
		if err := t.reply(m.Chat.ID, refusal); err != nil {
			return err
		}
		return t.askFindings(m.Chat.ID, who.lang, uint(id))
	}
	if err != nil {
		return err
	}
	for _, f := range attachmentsOf(m) {
		if _, err := models.AddVisitFile(t.tx, who.person.ID, uint(id), f); err != nil {
			return err
		}
	}
	c := t.h.Catalog
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(who.lang, "visit_ask_location", nil),
		RequestLocation: &models.LocationRequest{Button: c.T(who.lang, "visit_location_button", nil), Skip: c.T(who.lang, "visit_skip", nil)}})
}

// isSkip tells the text of the skip button, in either language.
func isSkip(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "跳过", "skip":
		return true
	}
	return false
}

// visitMessage takes a message that replies to nothing while a draft is
// open: a location, photos, or "skip". It reports false for anything else,
// or when there is no draft.
func (t *turn) visitMessage(m *tgmodels.Message, who speaker) (bool, error) {
	if who.person == nil || m.Location == nil && len(attachmentsOf(m)) == 0 && !isSkip(m.Text) {
		return false, nil
	}
	v, err := models.VisitDraftOf(t.tx, who.person.ID)
	if models.IsNotFound(err) {
		if m.Location != nil {
			return true, t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "visit_location_not_expected", nil))
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, t.visitEvidence(m, who, v.ID)
}

// visitEvidence keeps a location or photos on the draft, or goes on
// without them, and shows the card to save.
func (t *turn) visitEvidence(m *tgmodels.Message, who speaker, visitID uint) error {
	c := t.h.Catalog
	var v *models.Visit
	var err error
	switch {
	case m.Location != nil:
		loc := models.VisitLocation{Lat: m.Location.Latitude, Lon: m.Location.Longitude,
			Live: time.Duration(m.Location.LivePeriod) * time.Second, Forwarded: m.ForwardOrigin != nil}
		v, err = models.SetVisitLocation(t.tx, who.person.ID, visitID, loc)
	case len(attachmentsOf(m)) > 0:
		for _, f := range attachmentsOf(m) {
			if v, err = models.AddVisitFile(t.tx, who.person.ID, visitID, f); err != nil {
				break
			}
		}
		if err == nil {
			return t.reply(m.Chat.ID, c.T(who.lang, "visit_file_kept", map[string]any{"Count": len(v.Files)}))
		}
	default:
		v, err = models.VisitDraftOf(t.tx, who.person.ID)
	}
	if refusal := t.visitRefusal(who.lang, err); refusal != "" {
		return t.reply(m.Chat.ID, refusal)
	}
	if err != nil {
		return err
	}
	if err := t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(who.lang, "visit_review", nil), RemoveKeyboard: true}); err != nil {
		return err
	}
	card, err := t.visitCard(who.lang, v)
	if err != nil {
		return err
	}
	buttons := [][]models.Button{{
		{Text: c.T(who.lang, "visit_save", nil), Data: fmt.Sprintf("vs:%d", v.ID)},
		{Text: c.T(who.lang, "visit_cancel", nil), Data: fmt.Sprintf("vc:%d", v.ID)},
	}}
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: card, Buttons: buttons})
}

// visitTaskNames lists a visit's tasks by code and title.
func (t *turn) visitTaskNames(lang string, v *models.Visit) string {
	if len(v.Tasks) == 0 {
		return t.h.Catalog.T(lang, "visit_no_tasks", nil)
	}
	var names []string
	for _, vt := range v.Tasks {
		var task models.Task
		if err := t.tx.Take(&task, vt.TaskID).Error; err == nil {
			names = append(names, E(task.Code+" "+truncateRunes(task.Title, 40)))
		}
	}
	return strings.Join(names, t.h.Catalog.T(lang, "list_sep", nil))
}

// visitCard is what the visit holds, as it would be saved.
func (t *turn) visitCard(lang string, v *models.Visit) (string, error) {
	c := t.h.Catalog
	var b strings.Builder
	kind := ""
	if v.Kind != "" {
		kind = c.T(lang, "visit_kind_"+string(v.Kind), nil)
	}
	b.WriteString(c.T(lang, "visit_card_title", map[string]any{"Kind": kind}))
	b.WriteString("\n" + c.T(lang, "visit_card_tasks", map[string]any{"Tasks": t.visitTaskNames(lang, v)}))
	codes := map[uint]string{}
	for _, f := range v.Findings {
		if f.TaskID != nil && len(v.Tasks) > 1 {
			if _, ok := codes[*f.TaskID]; !ok {
				var task models.Task
				if err := t.tx.Take(&task, *f.TaskID).Error; err != nil {
					return "", fmt.Errorf("task %d: %w", *f.TaskID, err)
				}
				codes[*f.TaskID] = task.Code
			}
		}
	}
	b.WriteString(t.findingLines(lang, v, codes))
	b.WriteString("\n" + t.visitLocationLine(lang, v))
	distances, err := t.siteDistances(lang, v)
	if err != nil {
		return "", err
	}
	b.WriteString(distances)
	b.WriteString("\n" + c.T(lang, "visit_card_files", map[string]any{"Count": len(v.Files)}))
	return b.String(), nil
}

// findingLines lists a visit's findings by kind.
func (t *turn) findingLines(lang string, v *models.Visit, codes map[uint]string) string {
	c := t.h.Catalog
	if len(v.Findings) == 0 {
		return "\n" + c.T(lang, "visit_no_findings", nil)
	}
	var b strings.Builder
	for _, kind := range []models.FindingKind{models.FindingFound, models.FindingSolved, models.FindingCoordinate} {
		first := true
		for _, f := range v.Findings {
			if f.Kind != kind {
				continue
			}
			if first {
				b.WriteString("\n" + c.T(lang, "visit_finding_"+string(kind), nil))
				first = false
			}
			b.WriteString("\n• ")
			if f.TaskID != nil && codes[*f.TaskID] != "" {
				b.WriteString(E(codes[*f.TaskID]) + " ")
			}
			b.WriteString(E(f.Text))
		}
	}
	return b.String()
}

func (t *turn) visitLocationLine(lang string, v *models.Visit) string {
	c := t.h.Catalog
	if v.Lat == nil || v.Lon == nil {
		return c.T(lang, "visit_location_none", nil)
	}
	at := fmt.Sprintf("%.5f, %.5f", *v.Lat, *v.Lon)
	if v.LocationSource == models.LocationLive {
		return c.T(lang, "visit_location_live", map[string]any{"At": at, "Minutes": liveMinutes(v.LiveSeconds)})
	}
	return c.T(lang, "visit_location_point", map[string]any{"At": at})
}

// siteDistances tells, for each of the visit's tasks whose list gives its
// site, how far the visit's location was: information only, as a leader
// may well meet a project's people elsewhere.
func (t *turn) siteDistances(lang string, v *models.Visit) (string, error) {
	if v.Lat == nil || v.Lon == nil || len(v.Tasks) == 0 {
		return "", nil
	}
	var tasks []models.Task
	if err := t.tx.Where("id IN ? AND site_lat IS NOT NULL AND site_lon IS NOT NULL", visitTaskIDs(v)).Order("code").Find(&tasks).Error; err != nil {
		return "", fmt.Errorf("sites of visit %d: %w", v.ID, err)
	}
	var b strings.Builder
	for _, task := range tasks {
		d := models.DistanceMeters(*v.Lat, *v.Lon, *task.SiteLat, *task.SiteLon)
		b.WriteString("\n" + t.h.Catalog.T(lang, "visit_card_distance", map[string]any{"Code": E(task.Code), "Distance": distanceText(d)}))
	}
	return b.String(), nil
}

func visitTaskIDs(v *models.Visit) []uint {
	ids := make([]uint, len(v.Tasks))
	for i, vt := range v.Tasks {
		ids[i] = vt.TaskID
	}
	return ids
}

// distanceText rounds a distance as one says it: "350 m", "1.2 km".
func distanceText(m float64) string {
	switch {
	case m < 995: // what rounds to 1000 m reads as 1.0 km
		return fmt.Sprintf("%d m", int(math.Round(m/10))*10)
	case m < 100000:
		return fmt.Sprintf("%.1f km", m/1000)
	}
	return fmt.Sprintf("%d km", int(math.Round(m/1000)))
}

// liveMinutes is how long a live location was shared, in minutes; one
// shared until stopped (0x7FFFFFFF s) reads as such.
func liveMinutes(seconds int) string {
	if seconds >= 0x7FFFFFFF {
		return "∞"
	}
	return strconv.Itoa((seconds + 59) / 60)
}

// taskVisitLines is the task's visits, for its history in /task.
func (t *turn) taskVisitLines(lang string, taskID uint, loc *time.Location) (string, error) {
	visits, err := models.VisitsOfTask(t.tx, taskID)
	if err != nil || len(visits) == 0 {
		return "", err
	}
	c := t.h.Catalog
	var b strings.Builder
	b.WriteString("\n\n" + c.T(lang, "visit_history_title", nil))
	for i := range visits {
		v := &visits[i]
		if i == 10 {
			b.WriteString("\n" + c.T(lang, "visit_history_more", map[string]any{"Count": len(visits) - i}))
			break
		}
		var who models.Person
		if err := t.tx.Take(&who, v.PersonID).Error; err != nil {
			return "", fmt.Errorf("visitor %d: %w", v.PersonID, err)
		}
		tally := v.Tally()
		b.WriteString("\n" + c.T(lang, "visit_history_line", map[string]any{
			"When": v.SavedAt.In(loc).Format("2006-01-02 15:04"), "Name": E(who.Name),
			"Kind": c.T(lang, "visit_kind_"+string(v.Kind), nil), "Found": tally.Found, "Solved": tally.Solved, "Coordinate": tally.Coordinate,
		}))
		for _, f := range v.Findings {
			if f.TaskID == nil || *f.TaskID == taskID {
				b.WriteString("\n  · " + c.T(lang, "visit_finding_short_"+string(f.Kind), nil) + " " + E(truncateRunes(f.Text, 80)))
			}
		}
	}
	return b.String(), nil
}
