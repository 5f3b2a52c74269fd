package scheduler

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"taskbot/models"
)

// Metrics count what the schedules sent, for an operator to alert on: a
// slot whose transaction failed is retried on the next round, so a
// failure that repeats shows here before anyone misses a reminder.
type Metrics struct {
	reminders *prometheus.CounterVec
	summaries *prometheus.CounterVec
}

// NewMetrics registers the schedules' series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_reminders_total",
			Help: "Reminders queued (outcome sent) or whose transaction failed (outcome failed), by kind: slot, follow_up, manual.",
		}, []string{"kind", "outcome"}),
		summaries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_summaries_total",
			Help: "Summaries queued (outcome sent) or whose transaction failed (outcome failed), by kind: summary, admin_summary, weekly, admin_weekly.",
		}, []string{"kind", "outcome"}),
	}
	for _, c := range []*prometheus.CounterVec{m.reminders, m.summaries} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}

// count records one schedule's outcome; nil Metrics count nothing.
func (m *Metrics) count(kind models.ScheduleKind, outcome string) {
	if m == nil {
		return
	}
	if kind == models.ScheduleReminder {
		m.reminders.WithLabelValues(string(models.ReminderSlot), outcome).Inc()
		return
	}
	m.summaries.WithLabelValues(string(kind), outcome).Inc()
}

func (m *Metrics) countReminder(kind models.ReminderKind, outcome string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.reminders.WithLabelValues(string(kind), outcome).Add(float64(n))
}
