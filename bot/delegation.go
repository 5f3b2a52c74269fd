package bot

import (
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"

	"taskbot/models"
)

// NotifyDelegationsEnded tells the admins and the person away that a
// deputy no longer stands in for them on a task, and who does now. It
// runs inside the transaction that ended the delegations.
func (h *Handler) NotifyDelegationsEnded(tx *gorm.DB, ends []models.DelegationEnd) error {
	now := tx.NowFunc()
	for _, e := range ends {
		var absent, deputy models.Person
		var task models.Task
		if err := tx.Take(&absent, e.PersonID).Error; err != nil {
			return fmt.Errorf("person %d: %w", e.PersonID, err)
		}
		if err := tx.Take(&deputy, e.DeputyID).Error; err != nil {
			return fmt.Errorf("deputy %d: %w", e.DeputyID, err)
		}
		if err := tx.Take(&task, e.TaskID).Error; err != nil {
			return fmt.Errorf("task %d: %w", e.TaskID, err)
		}
		in, err := models.StandInFor(tx, e.TaskID, e.PersonID, now)
		if err != nil {
			return err
		}
		next := func(lang string) string {
			switch {
			case in == nil:
				// The leave has not begun: the chain is followed when it does.
				return h.Catalog.T(lang, "delegation_next_default", nil)
			case in.Person == nil:
				return h.Catalog.T(lang, "delegation_next_nobody", nil)
			}
			return h.Catalog.T(lang, "delegation_next", map[string]any{"Next": E(in.Person.Key)})
		}
		data := func(lang string) map[string]any {
			return map[string]any{"Deputy": E(deputy.Key), "Name": E(absent.Key), "Code": E(task.Code), "Until": DueDate(e.LastDay),
				"Why": h.Catalog.T(lang, "delegation_why_"+e.Why, nil), "Next": next(lang)}
		}
		key := fmt.Sprintf("delegation-ended:%d:%d:%d", e.LeaveID, e.TaskID, e.DeputyID)
		for _, admin := range slices.Sorted(maps.Keys(h.Admins)) {
			lang := LangZH
			if ap, err := models.PersonByTelegramID(tx, admin); err == nil {
				lang = LanguageFor(ap.Language, "")
			}
			if err := models.Enqueue(tx, fmt.Sprintf("%s:admin:%d", key, admin), admin, models.OutSendMessage,
				models.Outgoing{Text: h.Catalog.T(lang, "delegation_ended_admin", data(lang))}); err != nil {
				return err
			}
		}
		if absent.TelegramID != nil {
			lang := LanguageFor(absent.Language, "")
			if err := models.Enqueue(tx, key+":person", *absent.TelegramID, models.OutSendMessage,
				models.Outgoing{Text: h.Catalog.T(lang, "delegation_ended_person", data(lang))}); err != nil {
				return err
			}
		}
	}
	return nil
}
