// Package outbox delivers the messages queued in the outbox to Telegram:
// it claims them, keeps Telegram's limits, retries what may be retried and
// records each outcome.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/watchdog"
)

// Sender makes one Bot API call for an outbox message and returns the id
// of the message Telegram sent or edited (0 for calls that have none).
//
// Its error tells the dispatcher what to do: nil (sent), ErrRecipientBlocked,
// ErrRejected, a *RetryAfterError, or anything else for a transient failure
// (5xx, network error, timeout) whose outcome may be unknown.
type Sender interface {
	Send(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (telegramMessageID int, err error)
}

// Options configure a Dispatcher. Zero values take the defaults given.
type Options struct {
	Store  *models.Store
	Sender Sender

	// GlobalRate is the bot's message limit across all chats, in messages
	// per sliding second (default 25). The dispatcher never exceeds it as
	// the server counts, whatever the network delays (see limits); with
	// several instances, give each its share.
	GlobalRate float64
	// PerChatInterval separates two messages to one private chat
	// (default 1 s), measured from the end of the first call.
	PerChatInterval time.Duration
	// PerGroupInterval separates two messages to one group (default 3 s,
	// 20 per minute), measured likewise.
	PerGroupInterval time.Duration

	// Workers bounds the messages claimed and not yet settled, hence the
	// concurrent calls (default DefaultWorkers(GlobalRate)). While a
	// backlog lasts, claims are made in batches of at least half of what
	// the global limit lets start by the time they are ready for their
	// calls, or of Workers if less.
	Workers int
	// Lease is how long a claimed message stays with this dispatcher if it
	// stays alive but stuck (default 2 min). It must exceed SendTimeout: a
	// claimed message whose call could not start early enough to finish and
	// be recorded within the lease is put back unsent. The claims of a
	// dispatcher that died go back sooner, when its heartbeat lapses (see
	// Liveness).
	Lease time.Duration
	// Instance names this dispatcher's claims (default: a random id). With
	// Liveness, it must be the id the instance's heartbeat is written under.
	Instance string
	// Liveness, when set, makes the dispatcher give back at once the claims
	// of other instances whose heartbeat is older than this (see
	// models.Store.ReleaseDeadClaims). Zero leaves them to their lease.
	Liveness time.Duration
	// SendTimeout bounds one Bot API call (default 30 s). A call that times
	// out has an unknown outcome and is retried like a transient failure.
	SendTimeout time.Duration

	// MaxAttempts is how many calls are made for a message before a
	// transient failure makes the dispatcher give it up (default 12). Every
	// call counts, including one ending in a 429, but only a transient
	// failure ends in giving up: a 429 always reschedules. A claim given
	// back before its call (a deferred edit, a stop) does not count.
	MaxAttempts int
	// RetryBase and RetryCap shape the backoff after a transient failure:
	// attempt n waits between half and all of min(RetryBase·2ⁿ⁻¹, RetryCap)
	// (defaults 1 s and 5 min).
	RetryBase time.Duration
	RetryCap  time.Duration

	// PollInterval is how often the queue is checked when nothing wakes the
	// dispatcher (default 500 ms): messages enqueued by another process, or
	// retries that came due.
	PollInterval time.Duration
	// IdlePoll replaces PollInterval once a claim found nothing to send and
	// nothing is in flight (default: PollInterval). An idle bot polling
	// twice a second spends most of its CPU on empty claims; what this
	// process queues wakes the dispatcher at once (Notify), so only another
	// process's messages and retries coming due wait up to IdlePoll.
	IdlePoll time.Duration

	// Keep, when set, makes the dispatcher delete once an hour the messages
	// finished longer ago than this, and the files no message needs any
	// more (see models.Store.PruneOutbox). Only the leader runs a
	// dispatcher, so only one instance prunes.
	Keep time.Duration

	// Logger receives the dispatcher's logs (slog.Default when nil).
	Logger *slog.Logger
	// Registerer, when set, gets the dispatcher's Prometheus metrics.
	Registerer prometheus.Registerer
	// OnUnreachable runs, inside the transaction that marks a person
	// unreachable after a 403, once per person; the bot uses it to enqueue
	// a notice to the admins.
	OnUnreachable func(tx *gorm.DB, p *models.Person) error
	// Draw completes a message queued with Outgoing.Deferred: it draws the
	// file, outside any transaction, and fills in File, FileName and the
	// caption. Its error gives the message up. Without it, such messages
	// fail.
	Draw func(ctx context.Context, out models.Outgoing) (models.Outgoing, error)
	// OnOutcome, when set, is called after each claimed message's outcome
	// has been recorded (or recording it failed for good), from the
	// dispatcher's goroutines, concurrently; it must not block for long.
	OnOutcome func(Outcome)

	// Leadership, when set, is the lease that lets this dispatcher be the
	// deployment's only one (cluster.Member). The dispatcher asks it
	// before each claim and each call, and claims and sends nothing once
	// it no longer holds: a leader paused past its lease must not send
	// what its successor sends. At start, it takes back the claims its
	// predecessors left (see models.Store.ReleaseNonLeaderClaims).
	Leadership Leadership
	// Watch, when set, is told of the dispatcher's progress (watchdog).
	Watch *watchdog.Part
}

// Leadership is what the dispatcher needs of its instance's lease.
type Leadership interface {
	// Holds tells whether the lease is still this instance's, by its own
	// clock.
	Holds() bool
	// WritableFor is how long this instance has been able to write to the
	// database without a break: another instance's old heartbeat proves
	// it dead only if this one could write all that time.
	WritableFor() time.Duration
}

// Result is what became of one claimed outbox message.
type Result string

const (
	// ResultSent: Telegram accepted the call.
	ResultSent Result = "sent"
	// ResultRetry: a transient failure; rescheduled with backoff.
	ResultRetry Result = "retry"
	// ResultRateLimited: a 429; all sending paused and the message
	// rescheduled for when the pause ends.
	ResultRateLimited Result = "rate_limited"
	// ResultDeferred: not attempted — an edit whose message is not sent
	// yet, or a message put back unsent when the dispatcher stopped.
	ResultDeferred Result = "deferred"
	// ResultFailed: given up for good (rejected, out of attempts, bad
	// payload, edit of a message that was never sent).
	ResultFailed Result = "failed"
	// ResultUnreachable: a 403; the chat's queue dropped and its person
	// marked unreachable.
	ResultUnreachable Result = "unreachable"
	// ResultLostClaim: the claim was taken back before the call (nothing
	// sent) — this dispatcher was taken for dead.
	ResultLostClaim Result = "lost_claim"
	// ResultDeposed: not attempted, nothing written — this instance's
	// lease ran out; the new leader takes the message over.
	ResultDeposed Result = "deposed"
	// ResultMigrated: the group became a supergroup; the message and the
	// group's queue moved to its new id, due now.
	ResultMigrated Result = "migrated"
)

// Outcome reports one settled message to Options.OnOutcome.
type Outcome struct {
	ID      uint
	ChatID  int64
	Kind    models.OutKind
	Attempt int
	Result  Result
	// Err is the send's error (nil when sent).
	Err error
	// RetryAt is when a rescheduled message is due again (store clock).
	RetryAt time.Time
	// RecordErr is set when the outcome could not be written to the store;
	// it wraps models.ErrLostClaim when the claim had been taken back.
	RecordErr error
}

// Dispatcher delivers the outbox: it claims due messages (the oldest unsent
// one of each chat, so that a chat's messages go out in order), makes their
// Bot API calls concurrently within Telegram's limits, and records each
// outcome.
type Dispatcher struct {
	opt     Options
	log     *slog.Logger
	limits  *limits
	metrics *dispatchMetrics
	wake    chan struct{}
	running atomic.Bool
	// sendWindow is how long after its claim a message's call may still
	// start; see Options.Lease.
	sendWindow time.Duration
	// marks feeds the recorder while Run runs (nil otherwise).
	marks chan mark
	// ready counts the claimed messages on their way to admission: not yet
	// admitted, and not sleeping out their chat's spacing.
	ready atomic.Int64
	// lead tracks how long a claimed message takes to be ready for
	// admission (see claimLead).
	lead leadTime
}

// New checks opt, fills in defaults and registers the metrics.
func New(opt Options) (*Dispatcher, error) {
	if opt.Store == nil || opt.Sender == nil {
		return nil, errors.New("scheduler: dispatcher needs a Store and a Sender")
	}
	if opt.GlobalRate < 0 || opt.PerChatInterval < 0 || opt.PerGroupInterval < 0 || opt.Workers < 0 ||
		opt.Lease < 0 || opt.SendTimeout < 0 || opt.MaxAttempts < 0 || opt.RetryBase < 0 ||
		opt.RetryCap < 0 || opt.PollInterval < 0 || opt.IdlePoll < 0 || opt.Keep < 0 {
		return nil, errors.New("scheduler: negative dispatcher option")
	}
	setDefault(&opt.GlobalRate, 25)
	setDefault(&opt.PerChatInterval, time.Second)
	setDefault(&opt.PerGroupInterval, 3*time.Second)
	setDefault(&opt.Workers, DefaultWorkers(opt.GlobalRate))
	setDefault(&opt.Lease, 2*time.Minute)
	setDefault(&opt.SendTimeout, 30*time.Second)
	setDefault(&opt.MaxAttempts, 12)
	setDefault(&opt.RetryBase, time.Second)
	setDefault(&opt.RetryCap, 5*time.Minute)
	setDefault(&opt.PollInterval, 500*time.Millisecond)
	setDefault(&opt.IdlePoll, opt.PollInterval)
	if opt.Instance == "" {
		opt.Instance = fmt.Sprintf("dispatcher-%08x", rand.Uint32())
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Lease <= opt.SendTimeout {
		return nil, fmt.Errorf("scheduler: lease %s must exceed the send timeout %s", opt.Lease, opt.SendTimeout)
	}
	metrics, err := newDispatchMetrics(opt.Registerer)
	if err != nil {
		return nil, fmt.Errorf("scheduler: register metrics: %w", err)
	}
	slack := opt.Lease - opt.SendTimeout
	return &Dispatcher{
		opt:        opt,
		log:        opt.Logger.With("component", "outbox"),
		limits:     newLimits(opt.GlobalRate, opt.PerChatInterval, opt.PerGroupInterval),
		metrics:    metrics,
		wake:       make(chan struct{}, 1),
		sendWindow: slack - slack/4, // a quarter of the slack is kept to record the outcome
	}, nil
}

// DefaultWorkers is the default Options.Workers for a global rate. A
// message holds its slot from its claim, made ahead of its call by twice
// the time claims and attempts take to be written (a few milliseconds on a
// quiet machine with a local database, hundreds on a busy one), through
// its call to the group commit of its outcome. Slots for a second of
// messages at the full rate keep the rate (BenchmarkOutboxFanout,
// BenchmarkClusterFanout); each is an idle goroutine when not needed.
func DefaultWorkers(globalRate float64) int {
	return max(16, int(math.Ceil(globalRate)))
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Notify makes a running dispatcher look at the queue at once; call it after
// a transaction that enqueued messages has committed. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers the outbox until ctx is cancelled. It then stops claiming,
// lets the calls in flight finish (within SendTimeout) and records their
// outcomes, puts back the claimed messages whose calls had not started, and
// returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("scheduler: dispatcher already running")
	}
	defer d.running.Store(false)
	defer d.opt.Watch.Running()()
	unattempted, err := d.opt.Store.ReleaseOwnClaims(context.WithoutCancel(ctx), d.opt.Instance)
	d.released("claims of an earlier run", unattempted, 0, err)
	if d.opt.Leadership != nil {
		d.takeOver(ctx)
	}

	d.marks = make(chan mark)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		d.recordSent(context.WithoutCancel(ctx), d.marks)
	}()
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		close(d.marks)
		<-recorded
		d.marks = nil
	}()
	finished := make(chan struct{}, d.opt.Workers)
	inFlight := 0
	// backlog says the last claim was full: more is probably due, and
	// claiming again for every freed slot would cost one query per message.
	backlog := false
	var swept, pruned time.Time
	deposed := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil // the deferred wg.Wait lets the calls in flight finish
		case <-d.wake:
		case <-finished:
			inFlight--
		case <-timer.C:
		}
	drain:
		for {
			select {
			case <-finished:
				inFlight--
			default:
				break drain
			}
		}
		if ctx.Err() != nil {
			continue
		}
		if inFlight < d.opt.Workers {
			// Every worker busy is no progress; the end of any is.
			d.opt.Watch.Beat()
		}
		if !d.leads() {
			// Deposed: the lease's end stops Run soon; until then, nothing.
			if !deposed {
				d.log.Warn("leader lease ran out; claiming and sending nothing more", "in_flight", inFlight)
			}
			deposed = true
			timer.Reset(d.opt.PollInterval)
			continue
		}
		if d.opt.Liveness > 0 && time.Since(swept) >= d.opt.Liveness/4 {
			swept = time.Now()
			if d.opt.Leadership != nil {
				d.takeOver(ctx)
			}
			d.releaseDead(ctx)
		}
		if d.opt.Keep > 0 && time.Since(pruned) >= pruneEvery {
			pruned = time.Now()
			d.prune(ctx)
		}
		wait := d.opt.PollInterval
		free := d.opt.Workers - inFlight
		// A message is claimed only when it is about to go: no more than the
		// global limit lets start by the time it is ready for its call
		// (claimLead), less those claimed and not admitted yet. Claimed
		// earlier, it would wait here while its chat's later messages wait
		// behind it, and an interactive message queued meanwhile behind it;
		// claimed later, the limit would go unused while the claim and the
		// attempt are written.
		lead := d.lead.claimLead()
		room, roomIn := d.limits.room(lead)
		want := room - int(d.ready.Load())
		if pause := d.limits.pauseLeft(); pause > 0 {
			// Claimed messages would only wait out the pause holding a lease.
			wait = pause
		} else if room == 0 {
			wait = min(wait, roomIn)
		} else if want <= 0 {
			// Enough on its way: look again when some of it has gone.
			wait = min(wait, lead/4)
		} else if free = min(free, want); free > 0 && (!backlog || free >= min(room, d.opt.Workers)/2 || inFlight == 0) {
			// Not cut short by ctx: a claim is brief, and cancelling it halfway
			// only produces error logs. What it takes after a cancel is put
			// back by the workers at once.
			claimedAt := time.Now() // no later than the store's own lease start
			msgs, err := d.opt.Store.ClaimOutbox(context.WithoutCancel(ctx), d.opt.Instance, free, d.opt.Lease)
			if err != nil {
				d.log.Error("claim outbox failed", "err", err)
				backlog = false
			} else {
				backlog = len(msgs) == free
				if len(msgs) == 0 && inFlight == 0 {
					wait = max(wait, d.opt.IdlePoll)
				}
			}
			d.ready.Add(int64(len(msgs)))
			for _, m := range msgs {
				inFlight++
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.handle(ctx, m, claimedAt)
					d.opt.Watch.Beat()
					finished <- struct{}{}
				}()
			}
		} else if backlog {
			// Waiting for a batch worth a claim.
			wait = min(wait, lead/4)
		}
		timer.Reset(wait)
	}
}

// claimHorizon is the least time ahead of its call a message is claimed.
const claimHorizon = 100 * time.Millisecond

// maxLead bounds how far ahead of its call a message is claimed, however
// slow the store.
const maxLead = 2 * time.Second

// leadTime follows how long a claimed message takes from the start of its
// claim to being ready for admission — the claim, then the attempt
// written — as a moving average: a few milliseconds on a quiet machine,
// hundreds on a busy one.
type leadTime struct {
	mu  sync.Mutex
	avg time.Duration // 0 until observed
}

// observe adds one message's time from claim to readiness.
func (l *leadTime) observe(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.avg == 0 {
		l.avg = d
	} else {
		l.avg += (d - l.avg) / 8
	}
}

// claimLead is how far ahead of their calls messages are claimed: twice
// the time they take to be ready, so that a claim made as the messages
// claimed before run short lands before they are gone.
func (l *leadTime) claimLead() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return min(maxLead, claimHorizon+2*l.avg)
}

// pruneEvery is how often a dispatcher with Options.Keep prunes.
const pruneEvery = time.Hour

// prune deletes what Options.Keep no longer keeps.
func (d *Dispatcher) prune(ctx context.Context) {
	msgs, blobs, err := d.opt.Store.PruneOutbox(context.WithoutCancel(ctx), d.opt.Store.Now().Add(-d.opt.Keep))
	switch {
	case err != nil:
		d.log.Warn("prune outbox failed", "err", err)
	case msgs+blobs > 0:
		d.log.Info("outbox pruned", "messages", msgs, "files", blobs)
	}
}

// leads tells whether this dispatcher may still claim and send.
func (d *Dispatcher) leads() bool {
	return d.opt.Leadership == nil || d.opt.Leadership.Holds()
}

// takeOver gives back the claims other instances hold: only the leader
// sends (see models.Store.ReleaseNonLeaderClaims).
func (d *Dispatcher) takeOver(ctx context.Context) {
	unattempted, inDoubt, err := d.opt.Store.ReleaseNonLeaderClaims(context.WithoutCancel(ctx), d.opt.Instance)
	d.released("claims of other instances", unattempted, inDoubt, err)
}

// released counts and logs what a release of others' claims gave back.
func (d *Dispatcher) released(whose string, unattempted, inDoubt int64, err error) {
	switch {
	case err != nil:
		d.log.Warn("release "+whose+" failed", "err", err)
	case unattempted+inDoubt > 0:
		d.metrics.released.WithLabelValues("unattempted").Add(float64(unattempted))
		d.metrics.released.WithLabelValues("in_doubt").Add(float64(inDoubt))
		d.log.Warn(whose+" released", "unattempted", unattempted, "in_doubt", inDoubt)
	}
}

// releaseDead gives back the claims of instances that died. Those whose
// call may have been made are given back only if this instance could
// write for longer than a heartbeat may be missed: after an outage that
// kept every instance from writing, all heartbeats are old and prove
// nothing.
func (d *Dispatcher) releaseDead(ctx context.Context) {
	inDoubtToo := d.opt.Leadership == nil || d.opt.Leadership.WritableFor() > d.opt.Liveness
	unattempted, inDoubt, err := d.opt.Store.ReleaseDeadClaims(context.WithoutCancel(ctx), d.opt.Instance, d.opt.Liveness, inDoubtToo)
	d.released("claims of a dead instance", unattempted, inDoubt, err)
}

// handle takes one claimed message to its outcome.
func (d *Dispatcher) handle(runCtx context.Context, m models.OutboxMessage, claimedAt time.Time) {
	d.metrics.inFlight.Inc()
	defer d.metrics.inFlight.Dec()
	r := readiness{d: d, on: true} // counted by the claim
	defer r.set(false)
	// Once a call has started, stopping the dispatcher must neither cut it
	// short (its outcome would become unknown) nor skip recording it.
	bg := context.WithoutCancel(runCtx)
	s := settlement{d: d, m: m, log: d.log.With("outbox_id", m.ID, "chat_id", m.ChatID, "kind", string(m.Kind), "attempt", m.Attempts),
		leaseEnd: claimedAt.Add(d.opt.Lease)}

	out, err := m.Outgoing()
	if err != nil {
		s.fail(bg, "payload", err)
		return
	}
	if m.BlobID != nil {
		data, err := d.opt.Store.BlobData(bg, *m.BlobID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			s.fail(bg, "blob", err)
			return
		case err != nil:
			s.log.Warn("load file failed", "blob_id", *m.BlobID, "err", err)
			s.retryLater(bg, d.opt.RetryBase, err, ResultDeferred)
			return
		}
		out.File = data
	}
	if out.Deferred != nil {
		if d.opt.Draw == nil {
			s.fail(bg, "draw", fmt.Errorf("no way to draw a deferred %q file", out.Deferred.Kind))
			return
		}
		drawn, err := d.opt.Draw(bg, out)
		if err != nil {
			s.fail(bg, "draw", fmt.Errorf("draw %q file: %w", out.Deferred.Kind, err))
			return
		}
		out = drawn
	}
	if isEdit(m.Kind) && out.EditOutboxID != 0 && out.EditMessageID == 0 {
		if !s.resolveEdit(bg, &out) {
			return
		}
	}
	if out.ThreadOutboxID != 0 && out.MessageThreadID == 0 {
		if !s.resolveThread(bg, &out) {
			return
		}
	}
	limited := m.Kind.RateLimited()
	spacing := d.limits.spacingLeft(m.ChatID, limited)
	if spacing > 0 {
		// Not about to go: the limit's room is for others meanwhile.
		r.set(false)
		if err := sleepUntil(runCtx, time.Now().Add(spacing)); err != nil {
			s.stopped(bg)
			return
		}
		r.set(true)
	}
	if !d.leads() {
		s.deposed()
		return
	}
	// The claim is checked and the attempt recorded before the call: a
	// dispatcher taken for dead finds out here and sends nothing, and from
	// here on a crash leaves the message in doubt, not merely claimed. It is
	// recorded before the global limit admits the call, since the limit
	// counts a call from its admission: a write in between would cost
	// throughput (see limits). A crash in the short wait for admission
	// leaves in doubt a message never sent, which is only sent again.
	if err := s.record(bg, func(ctx context.Context) error { return d.write(ctx, opAttempt, m, 0) }); err != nil {
		s.report(Outcome{Result: ResultLostClaim, RecordErr: err})
		return
	}
	if spacing == 0 {
		d.lead.observe(time.Since(claimedAt))
	}
	callDone, err := d.limits.admit(runCtx, m.ChatID, limited)
	r.set(false)
	if err != nil {
		s.stopped(bg)
		return
	}
	if !d.leads() {
		// Taken for dead while waiting: the new leader sends it.
		callDone(false)
		s.deposed()
		return
	}
	if time.Since(claimedAt) > d.sendWindow {
		// Too late to finish within the lease: another dispatcher could take
		// the message while this call is in flight and send it twice.
		callDone(false)
		s.putBack(bg, errors.New("lease too short left to send"))
		return
	}
	s.m.Attempts++
	m = s.m
	sendCtx, cancel := context.WithTimeout(bg, d.opt.SendTimeout)
	start := time.Now()
	id, err := d.opt.Sender.Send(sendCtx, m.ChatID, m.Kind, out)
	cancel()
	if errors.Is(err, ErrDeposed) {
		callDone(false)
		s.deposed()
		return
	}
	callDone(true)
	d.metrics.latency.WithLabelValues(string(m.Kind)).Observe(time.Since(start).Seconds())
	s.settle(bg, id, err)
}

// readiness counts one claimed message in Dispatcher.ready while on.
type readiness struct {
	d  *Dispatcher
	on bool
}

func (r *readiness) set(on bool) {
	if r.on == on {
		return
	}
	r.on = on
	if on {
		r.d.ready.Add(1)
	} else {
		r.d.ready.Add(-1)
	}
}

// isEdit tells the calls that name an existing message, which a pin does too.
func isEdit(k models.OutKind) bool {
	return k == models.OutEditText || k == models.OutEditMarkup || k == models.OutPinMessage
}

// settlement records the outcome of one claimed message.
type settlement struct {
	d        *Dispatcher
	m        models.OutboxMessage
	log      *slog.Logger
	leaseEnd time.Time
}

func (s *settlement) settle(ctx context.Context, telegramID int, err error) {
	d, m := s.d, s.m
	kind := string(m.Kind)
	var (
		retryAfter *RetryAfterError
		migrated   *MigratedError
	)
	switch {
	case err == nil:
		rerr := s.record(ctx, func(ctx context.Context) error { return d.write(ctx, opSent, m, telegramID) })
		d.metrics.sent.WithLabelValues(kind).Inc()
		s.log.Debug("outbox message sent", "telegram_message_id", telegramID)
		s.report(Outcome{Result: ResultSent, RecordErr: rerr})

	case errors.As(err, &retryAfter):
		wait := retryAfter.After
		if wait <= 0 {
			wait = d.opt.RetryBase
		}
		d.limits.pause(wait)
		d.metrics.rateLimited.WithLabelValues(kind).Inc()
		s.log.Warn("telegram asked to slow down; all sending paused", "retry_after", wait, "err", err)
		s.retryLater(ctx, wait, err, ResultRateLimited)

	case errors.As(err, &migrated) && migrated.To != 0 && migrated.To != m.ChatID:
		rerr := s.record(ctx, func(ctx context.Context) error {
			return d.opt.Store.RequeueMigrated(ctx, m, migrated.To, err)
		})
		s.log.Warn("group became a supergroup; its queue moved to the new id", "to_chat_id", migrated.To, "err", err)
		s.report(Outcome{Result: ResultMigrated, Err: err, RetryAt: d.opt.Store.Now(), RecordErr: rerr})
		d.Notify()

	case errors.Is(err, ErrRecipientBlocked):
		rerr := s.record(ctx, func(ctx context.Context) error {
			return d.opt.Store.MarkChatUnreachable(ctx, m, err, d.opt.OnUnreachable)
		})
		d.metrics.failed.WithLabelValues(kind, "unreachable").Inc()
		s.log.Warn("recipient refused the bot; chat marked unreachable", "err", err)
		s.report(Outcome{Result: ResultUnreachable, Err: err, RecordErr: rerr})

	case errors.Is(err, ErrRejected):
		s.fail(ctx, "rejected", err)

	case m.Attempts >= d.opt.MaxAttempts:
		s.fail(ctx, "exhausted", fmt.Errorf("gave up after %d attempts: %w", m.Attempts, err))

	default:
		d.metrics.retried.WithLabelValues(kind).Inc()
		wait := d.backoff(m.Attempts)
		s.log.Warn("send failed; will retry", "retry_in", wait, "err", err)
		s.retryLater(ctx, wait, err, ResultRetry)
	}
}

// resolveEdit turns out.EditOutboxID into the Telegram id of the message
// that row sent. It reports whether the edit can go ahead; if not, the
// message has been settled.
func (s *settlement) resolveEdit(ctx context.Context, out *models.Outgoing) bool {
	target, err := s.d.opt.Store.OutboxMessageByID(ctx, out.EditOutboxID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.fail(ctx, "edit_target", fmt.Errorf("edit of outbox message %d: %w", out.EditOutboxID, err))
		return false
	case err != nil:
		s.log.Warn("look up edited message failed", "err", err)
		s.retryLater(ctx, s.d.opt.RetryBase, err, ResultDeferred)
		return false
	case target.ChatID != s.m.ChatID:
		s.fail(ctx, "edit_target", fmt.Errorf("edit of outbox message %d, which went to another chat", target.ID))
		return false
	case target.State == models.OutboxFailed:
		s.fail(ctx, "edit_target", fmt.Errorf("edit of outbox message %d, which was never sent", target.ID))
		return false
	case target.State == models.OutboxSent && target.TelegramMessageID == 0:
		s.fail(ctx, "edit_target", fmt.Errorf("edit of outbox message %d, which has no Telegram message", target.ID))
		return false
	case target.State == models.OutboxSent:
		out.EditMessageID = target.TelegramMessageID
		return true
	case target.ID > s.m.ID:
		// Queued after its own edit: the edit heads the chat's queue, so
		// the message would never go out and the edit would wait forever.
		s.fail(ctx, "edit_target", fmt.Errorf("edit of outbox message %d, which was queued after the edit", target.ID))
		return false
	default:
		// Pending or sending though queued earlier in the same chat: a
		// chat's messages are claimed one at a time in order, so this is
		// a transient state (another dispatcher still settling it); wait.
		s.log.Debug("edited message not sent yet; edit deferred", "edit_outbox_id", target.ID)
		s.retryLater(ctx, s.d.opt.RetryBase, fmt.Errorf("waiting for outbox message %d to be sent", target.ID), ResultDeferred)
		return false
	}
}

// resolveThread turns out.ThreadOutboxID, the row that creates a forum
// topic, into the topic's thread id. It reports whether the call can go
// ahead; if not, the message has been settled. A topic that was never
// created leaves the message to the group's General topic (and a topic
// call without a thread is refused by the sender).
func (s *settlement) resolveThread(ctx context.Context, out *models.Outgoing) bool {
	target, err := s.d.opt.Store.OutboxMessageByID(ctx, out.ThreadOutboxID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return true
	case err != nil:
		s.log.Warn("look up topic creation failed", "err", err)
		s.retryLater(ctx, s.d.opt.RetryBase, err, ResultDeferred)
		return false
	case target.ChatID != s.m.ChatID || target.State == models.OutboxFailed || target.ID > s.m.ID:
		return true
	case target.State == models.OutboxSent:
		out.MessageThreadID = target.TelegramMessageID
		return true
	default:
		// Earlier in the chat's queue and not settled yet: a transient
		// state, as for an edit (see resolveEdit).
		s.retryLater(ctx, s.d.opt.RetryBase, fmt.Errorf("waiting for topic creation %d", target.ID), ResultDeferred)
		return false
	}
}

func (s *settlement) fail(ctx context.Context, reason string, err error) {
	rerr := s.record(ctx, func(ctx context.Context) error { return s.d.opt.Store.MarkFailed(ctx, s.m.ID, s.m.Claim, err) })
	s.d.metrics.failed.WithLabelValues(string(s.m.Kind), reason).Inc()
	s.log.Error("outbox message given up", "reason", reason, "err", err)
	s.report(Outcome{Result: ResultFailed, Err: err, RecordErr: rerr})
}

// stopped gives back a message whose call never started because the
// dispatcher is stopping: to the queue, or, when it stops because the lease
// is lost, to the new leader untouched.
func (s *settlement) stopped(ctx context.Context) {
	if !s.d.leads() {
		s.deposed()
		return
	}
	s.putBack(ctx, errors.New("dispatcher stopped before sending"))
}

// deposed leaves a message unsent and unwritten: the lease is another
// instance's, which takes the claim over.
func (s *settlement) deposed() {
	s.log.Debug("leader lease lost; outbox message left to the new leader")
	s.report(Outcome{Result: ResultDeposed})
}

// putBack returns a message whose call never started to the queue, due now.
func (s *settlement) putBack(ctx context.Context, cause error) {
	s.log.Debug("outbox message put back unsent", "cause", cause)
	rerr := s.record(ctx, func(ctx context.Context) error { return s.d.opt.Store.PutBack(ctx, s.m.ID, s.m.Claim, cause) })
	s.report(Outcome{Result: ResultDeferred, Err: cause, RetryAt: s.d.opt.Store.Now(), RecordErr: rerr})
}

func (s *settlement) retryLater(ctx context.Context, wait time.Duration, cause error, result Result) {
	at := s.d.opt.Store.Now().Add(wait)
	rerr := s.record(ctx, func(ctx context.Context) error { return s.d.opt.Store.RetryLater(ctx, s.m.ID, s.m.Claim, at, cause) })
	if wait > 0 && wait <= s.d.opt.RetryCap {
		// Look again when it is due rather than at the next poll.
		time.AfterFunc(wait, s.d.Notify)
	}
	s.report(Outcome{Result: result, Err: cause, RetryAt: at, RecordErr: rerr})
}

// record writes an outcome, retrying while the database is unavailable: a
// sent message left unrecorded would be sent again when its lease ran out.
// It gives up when the lease has run out, since the message may then be
// another dispatcher's, and at once when the claim is found lost: the write
// is refused, and the message is another's to settle.
func (s *settlement) record(ctx context.Context, write func(context.Context) error) error {
	wait := 50 * time.Millisecond
	for {
		err := write(ctx)
		if err == nil {
			return nil
		}
		if errors.Is(err, models.ErrLostClaim) {
			s.d.metrics.lostClaims.Inc()
			s.log.Warn("outbox claim lost; outcome not recorded", "err", err)
			return err
		}
		if time.Now().Add(wait).After(s.leaseEnd) {
			s.log.Error("record outbox outcome failed; giving up", "err", err)
			return err
		}
		s.log.Warn("record outbox outcome failed; retrying", "err", err, "retry_in", wait)
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// op is a fenced write the recorder makes for one claimed message.
type op int

const (
	opAttempt op = iota // models.Store.MarkAttempting
	opSent              // models.Store.MarkSent
)

// mark asks the recorder for one write.
type mark struct {
	op   op
	m    models.ClaimMark
	done chan error
}

// markBatchWindow is how long the recorder gathers attempt marks before
// writing them. Each durable commit is an fsync, of a millisecond or more,
// and on SQLite made inside a cgo call that also holds up Go's scheduler;
// at hundreds of messages per second, one commit per message would stall
// the dispatcher, and the calls in flight would take longer. An attempt's
// call waits for its mark, so no longer than a few milliseconds.
const markBatchWindow = 5 * time.Millisecond

// sentBatchWindow is how long the recorder gathers sent marks. Nothing
// waits for them but the message's worker slot, and the chat's next
// message, which waits out the chat's spacing of a second anyway: ten
// times fewer commits than attempts' window would make.
const sentBatchWindow = 50 * time.Millisecond

// write makes one fenced write for m. While Run runs, the writes of all
// workers are made together, one statement per kind of write and batch.
func (d *Dispatcher) write(ctx context.Context, o op, m models.OutboxMessage, telegramID int) error {
	mk := mark{op: o, m: models.ClaimMark{ID: m.ID, Claim: m.Claim, TelegramID: telegramID}}
	if d.marks == nil {
		if o == opAttempt {
			return d.opt.Store.MarkAttempting(ctx, m.ID, m.Claim)
		}
		return d.opt.Store.MarkSent(ctx, m.ID, m.Claim, telegramID)
	}
	mk.done = make(chan error, 1)
	d.marks <- mk
	return <-mk.done
}

// recordSent writes the marks it receives in batches, one statement per
// kind of mark and batch: attempts gathered for markBatchWindow, sent marks
// for sentBatchWindow. A lost claim fails its own mark only.
func (d *Dispatcher) recordSent(ctx context.Context, in <-chan mark) {
	attempts, sent := make(chan mark), make(chan mark)
	var wg sync.WaitGroup
	wg.Go(func() { d.batchMarks(ctx, attempts, markBatchWindow, d.opt.Store.MarkAttemptingAll) })
	wg.Go(func() { d.batchMarks(ctx, sent, sentBatchWindow, d.opt.Store.MarkSentAll) })
	for m := range in {
		if m.op == opAttempt {
			attempts <- m
		} else {
			sent <- m
		}
	}
	close(attempts)
	close(sent)
	wg.Wait()
}

// batchMarks writes the marks it receives with write: those that arrive
// within window of the first together, and while every writer is busy,
// those that arrive until one is free. A busy database makes larger
// batches, not a longer queue of small ones.
func (d *Dispatcher) batchMarks(ctx context.Context, in <-chan mark, window time.Duration,
	write func(context.Context, []models.ClaimMark) ([]uint, error)) {
	const maxBatch = 512
	writing := make(chan struct{}, markWriters)
	var wg sync.WaitGroup
	for first := range in {
		batch := []mark{first}
		timer := time.NewTimer(window)
		more, gathering, placed := in, timer.C, false
		for !placed && len(batch) < maxBatch {
			// A nil channel blocks: a writer's place is asked for only once
			// the window has passed, and nothing more is read once in closes.
			var place chan<- struct{}
			if gathering == nil {
				place = writing
			}
			select {
			case m, ok := <-more:
				if !ok {
					more, gathering = nil, nil
					continue
				}
				batch = append(batch, m)
			case <-gathering:
				gathering = nil
			case place <- struct{}{}:
				placed = true
			}
		}
		timer.Stop()
		if !placed {
			writing <- struct{}{}
		}
		// The next batch gathers while this one is written: a worker waits
		// for its own mark only, and a busy database would otherwise hold
		// every worker behind the slowest statement. One message's marks
		// never race: its sent mark is asked for after its attempt's is done.
		wg.Go(func() {
			defer func() { <-writing }()
			d.writeMarks(ctx, batch, write)
		})
	}
	wg.Wait()
}

// markWriters bounds the batches of one kind of mark written at once.
const markWriters = 4

// writeMarks makes the writes of batch in one statement and answers each
// of them.
func (d *Dispatcher) writeMarks(ctx context.Context, batch []mark, write func(context.Context, []models.ClaimMark) ([]uint, error)) {
	marks := make([]models.ClaimMark, len(batch))
	for i, m := range batch {
		marks[i] = m.m
	}
	lost, err := write(ctx, marks)
	gone := make(map[uint]bool, len(lost))
	for _, id := range lost {
		gone[id] = true
	}
	for _, m := range batch {
		switch {
		case err != nil:
			m.done <- err
		case gone[m.m.ID]:
			m.done <- fmt.Errorf("outbox message %d: %w", m.m.ID, models.ErrLostClaim)
		default:
			m.done <- nil
		}
	}
}

func (s *settlement) report(o Outcome) {
	if s.d.opt.OnOutcome == nil {
		return
	}
	o.ID, o.ChatID, o.Kind, o.Attempt = s.m.ID, s.m.ChatID, s.m.Kind, s.m.Attempts
	s.d.opt.OnOutcome(o)
}

// backoff is the wait after the attempt-th transient failure: exponential,
// capped, with "equal jitter" (half fixed, half random) so that messages
// failed together do not come back together.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	w := d.opt.RetryCap
	if attempt >= 1 && attempt <= 32 {
		w = min(d.opt.RetryBase<<(attempt-1), d.opt.RetryCap)
		if w <= 0 { // overflow
			w = d.opt.RetryCap
		}
	}
	half := w / 2
	return half + rand.N(w-half+1)
}
