package bot

import tgmodels "github.com/go-telegram/bot/models"

// groupReport handles a report made in a work group by a reply to the
// bot's reminder; it reports whether the message was one.
func (t *turn) groupReport(m *tgmodels.Message, toBot bool) (bool, error) {
	return false, nil
}

// groupReportCommand handles "/report@bot T07 …" in a work group; it
// reports whether it answered.
func (t *turn) groupReportCommand(m *tgmodels.Message, who speaker, args string) (bool, error) {
	return false, nil
}
