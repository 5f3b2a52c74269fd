package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// RememberAdminLanguage keeps the language code an admin's client sent,
// writing only when it changed, so that an admin's every message does not
// cost a write.
func RememberAdminLanguage(tx *gorm.DB, telegramID int64, code string) error {
	if code == "" {
		return nil
	}
	var cur AdminLanguage
	err := tx.Take(&cur, "telegram_id = ?", telegramID).Error
	switch {
	case err == nil && cur.Language == code:
		return nil
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("admin language: %w", err)
	}
	row := AdminLanguage{TelegramID: telegramID, Language: code, UpdatedAt: tx.NowFunc()}
	err = tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "telegram_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"language", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("remember admin language: %w", err)
	}
	return nil
}

// AdminLanguageOf is what is known of the language to write to an admin
// in: the language they chose with /lang when they are on the task list,
// and the code their client last showed. Either may be empty.
func AdminLanguageOf(tx *gorm.DB, telegramID int64) (chosen, client string, err error) {
	p, err := PersonByTelegramID(tx, telegramID)
	switch {
	case err == nil:
		chosen = p.Language
	case !IsNotFound(err):
		return "", "", err
	}
	var seen AdminLanguage
	err = tx.Take(&seen, "telegram_id = ?", telegramID).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", "", fmt.Errorf("admin language: %w", err)
	}
	return chosen, seen.Language, nil
}
