package bot

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"taskbot/models"
	"taskbot/watchdog"
)

// Webhook receives updates pushed by Telegram. It answers 200 only once the
// update is stored, so Telegram keeps retrying an update the bot could not
// keep; and it refuses a request without the secret, which go-telegram's
// own handler would accept.
type Webhook struct {
	Store  *models.Store
	Secret string
	Logger *slog.Logger
	// Stored is called after an update is stored, to wake the processor.
	Stored func()
	// Watch, when set, is told of each request stored (watchdog): a
	// request waiting for the database for long is a stall.
	Watch *watchdog.Part
}

// maxUpdateBytes bounds one update; Telegram's are far smaller.
const maxUpdateBytes = 1 << 20

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer h.Watch.Busy()()
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.Secret)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes+1))
	if err != nil || len(body) > maxUpdateBytes || !json.Valid(body) {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	// Telegram always sends a positive update_id. A body without one is not
	// an update: stored, it would become update 0 and shadow the next such
	// body as a "redelivery".
	var id struct {
		UpdateID *int64 `json:"update_id"`
	}
	if json.Unmarshal(body, &id) != nil || id.UpdateID == nil || *id.UpdateID <= 0 {
		http.Error(w, "update without update_id", http.StatusBadRequest)
		return
	}
	row, err := InboxRow(body)
	if err != nil {
		h.Logger.Error("unreadable update", "err", err)
	}
	if err := h.Store.SaveUpdates(r.Context(), []models.InboxUpdate{row}); err != nil {
		h.Logger.Error("store update", "update_id", row.UpdateID, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	if h.Stored != nil {
		h.Stored()
	}
	w.WriteHeader(http.StatusOK)
}
