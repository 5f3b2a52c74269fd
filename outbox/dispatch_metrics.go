package outbox

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// dispatchMetrics are the outbox dispatcher's Prometheus series.
type dispatchMetrics struct {
	sent        *prometheus.CounterVec
	failed      *prometheus.CounterVec
	retried     *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	lostClaims  prometheus.Counter
	released    *prometheus.CounterVec
}

func newDispatchMetrics(reg prometheus.Registerer) (*dispatchMetrics, error) {
	m := &dispatchMetrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_outbox_sent_total",
			Help: "Outbox messages Telegram accepted, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_outbox_failed_total",
			Help: "Outbox messages given up, by kind and reason (rejected, unreachable, exhausted, edit_target, payload).",
		}, []string{"kind", "reason"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_outbox_retried_total",
			Help: "Outbox sends that failed transiently and were rescheduled, by kind.",
		}, []string{"kind"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_outbox_429_total",
			Help: "429 Too Many Requests answers received from Telegram, by kind.",
		}, []string{"kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "taskbot_outbox_send_seconds",
			Help:    "Duration of Bot API calls made for outbox messages, by kind.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskbot_outbox_in_flight",
			Help: "Outbox messages claimed and not yet settled.",
		}),
		lostClaims: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskbot_outbox_lost_claims_total",
			Help: "Outcome or attempt writes refused because the claim had been taken back (never applied).",
		}),
		released: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskbot_outbox_released_total",
			Help: "Claims of dead instances given back, by whether their call had started (unattempted, in_doubt).",
		}, []string{"state"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.sent, err = register(reg, m.sent); err != nil {
		return nil, err
	}
	if m.failed, err = register(reg, m.failed); err != nil {
		return nil, err
	}
	if m.retried, err = register(reg, m.retried); err != nil {
		return nil, err
	}
	if m.rateLimited, err = register(reg, m.rateLimited); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, m.latency); err != nil {
		return nil, err
	}
	if m.inFlight, err = register(reg, m.inFlight); err != nil {
		return nil, err
	}
	if m.lostClaims, err = register(reg, m.lostClaims); err != nil {
		return nil, err
	}
	if m.released, err = register(reg, m.released); err != nil {
		return nil, err
	}
	return m, nil
}

// register adds c to reg, or returns the collector already registered under
// the same name, so that a second dispatcher in one process (tests, a
// restart after a failed start) shares the series.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
