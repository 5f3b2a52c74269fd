package scheduler

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// ReturnWriter tells a person whose leave ran to its end what their
// deputies reported for them, in one message; it reports whether it queued
// one.
type ReturnWriter interface {
	BackFromLeave(tx *gorm.DB, l models.Leave, reports []models.Report) (bool, error)
}

// returnWithin is how long after a leave's end its person is still told
// what was reported for them (see models.EndedLeaves).
const returnWithin = 7 * 24 * time.Hour

// returns tells each person whose leave ran to its end, once, what was
// reported for them; coming back early (/back) tells them at once.
func (r *Reminders) returns(ctx context.Context) error {
	if r.Returns == nil {
		return nil
	}
	now := r.Store.Now()
	ended, err := models.EndedLeaves(r.Store.DB.WithContext(ctx), now, returnWithin)
	if err != nil {
		return err
	}
	queued := false
	for _, l := range ended {
		err := r.Store.Tx(ctx, func(tx *gorm.DB) error {
			won, reports, err := models.ReturnFromLeave(tx, l, now)
			if err != nil || !won {
				return err
			}
			q, err := r.Returns.BackFromLeave(tx, l, reports)
			queued = queued || q
			return err
		})
		if err != nil {
			return fmt.Errorf("return from leave %d: %w", l.ID, err)
		}
	}
	if queued && r.Enqueued != nil {
		r.Enqueued()
	}
	return nil
}
