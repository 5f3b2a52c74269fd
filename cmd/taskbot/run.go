package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"taskbot/bot"
	"taskbot/memtrim"
	"taskbot/models"
	"taskbot/outbox"
	"taskbot/report"
	"taskbot/scheduler"
	"taskbot/watchdog"
)

// botOptions configure the running bot (`taskbot run` and the demo).
type botOptions struct {
	Token         string
	APIURL        string
	Admins        []string
	Rate          float64
	TimeZone      string
	Listen        string
	PollTimeout   time.Duration
	SendTimeout   time.Duration
	OutboxKeep    time.Duration
	BotUsername   string
	WebhookURL    string
	WebhookSecret string
	// CorrectionWindow is how long a report may be corrected or withdrawn.
	CorrectionWindow time.Duration
	// LeaveApproval makes leave wait for approval (bot.Handler).
	LeaveApproval bool
	// DeputyCloseOut lets deputies ask for close-out (bot.Handler).
	DeputyCloseOut bool
	reminderOptions
	clusterOptions
	webOptions
	opsOptions
	weeklyOptions
	commitmentOptions
}

// reminderOptions shape the reminder schedules (`run`, `remind`).
type reminderOptions struct {
	SummaryAt     string
	WarnDays      int
	RemindCron    string
	CatchUp       time.Duration
	FollowUp      time.Duration
	EscalateAfter int
	Workdays      bool
}

func defaultReminderOptions() reminderOptions {
	return reminderOptions{SummaryAt: "18:00", WarnDays: models.DefaultLightRules.WarnDays, RemindCron: "0 9 * * 1-5", CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour, EscalateAfter: 2}
}

func (o *reminderOptions) register(fs *pflag.FlagSet) {
	d := defaultReminderOptions()
	fs.StringVar(&o.RemindCron, "remind-cron", d.RemindCron, "reminder schedule (cron) of tasks without their own, in each person's time zone")
	withEnv(fs, "remind-cron", "TASKBOT_REMIND_CRON")
	fs.DurationVar(&o.CatchUp, "catch-up", d.CatchUp, "a slot missed while the bot was down is sent on restart if less late than this")
	withEnv(fs, "catch-up", "TASKBOT_CATCH_UP")
	fs.DurationVar(&o.FollowUp, "follow-up", d.FollowUp, "one follow-up reminder when nobody reported this long after a slot")
	withEnv(fs, "follow-up", "TASKBOT_FOLLOW_UP")
	fs.IntVar(&o.EscalateAfter, "escalate-after", d.EscalateAfter, "slots in a row without a report before the contracting leader is told (0: never)")
	withEnv(fs, "escalate-after", "TASKBOT_ESCALATE_AFTER")
	fs.BoolVar(&o.Workdays, "workdays", false, "reminders follow working days and the holidays and adjusted working days loaded with 'taskbot calendar import'")
	withEnv(fs, "workdays", "TASKBOT_WORKDAYS")
	fs.StringVar(&o.SummaryAt, "summary-at", d.SummaryAt, "time of the leaders' daily summary (HH:MM in each person's time zone; /summaryat changes one's own)")
	withEnv(fs, "summary-at", "TASKBOT_SUMMARY_AT")
	fs.IntVar(&o.WarnDays, "warn-days", d.WarnDays, "a milestone due within this many days turns its task yellow")
	withEnv(fs, "warn-days", "TASKBOT_WARN_DAYS")
}

func (o *reminderOptions) validate() error {
	if err := scheduler.ValidSpec(o.RemindCron); err != nil {
		return fmt.Errorf("--remind-cron %q: %w", o.RemindCron, err)
	}
	if _, err := scheduler.SummarySpec(o.SummaryAt); err != nil {
		return fmt.Errorf("--summary-at %q: want HH:MM", o.SummaryAt)
	}
	if o.CatchUp < 0 || o.FollowUp <= 0 || o.EscalateAfter < 0 {
		return errors.New("--catch-up and --escalate-after must not be negative, --follow-up must be positive")
	}
	return checkWarnDays(o.WarnDays)
}

// checkWarnDays refuses a --warn-days the status light cannot use, the
// same way for every command that takes one.
func checkWarnDays(days int) error {
	rules := models.DefaultLightRules
	rules.WarnDays = days
	if err := rules.Validate(); err != nil {
		return fmt.Errorf("--warn-days: %w", err)
	}
	return nil
}

// lightRules are the status light's thresholds every part of the bot uses.
func (o *reminderOptions) lightRules() models.LightRules {
	return models.LightRules{WarnDays: o.WarnDays, MissedSlots: models.DefaultLightRules.MissedSlots}
}

// reminders builds the reminder scheduler.
func (o *reminderOptions) reminders(store *models.Store, catalog *bot.Catalog, loc *time.Location, log *slog.Logger, enqueued func()) *scheduler.Reminders {
	writer := &bot.Reminders{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: loc, LightRules: o.lightRules()}
	return &scheduler.Reminders{
		Store:         store,
		Writer:        writer,
		Groups:        writer,
		DefaultSpec:   o.RemindCron,
		DefaultZone:   loc,
		Workdays:      o.Workdays,
		CatchUp:       o.CatchUp,
		FollowUp:      o.FollowUp,
		EscalateAfter: o.EscalateAfter,
		Interval:      30 * time.Second,
		Logger:        log,
		Enqueued:      enqueued,
	}
}

func (o *botOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.Token, "token", "", "bot token from BotFather")
	withEnv(fs, "token", "TASKBOT_TOKEN")
	fs.StringVar(&o.APIURL, "api-url", defaultAPIURL, "Bot API server URL")
	withEnv(fs, "api-url", "TASKBOT_API_URL")
	fs.StringSliceVar(&o.Admins, "admin", nil, "Telegram user ids of the admins (comma-separated or repeated)")
	withEnv(fs, "admin", "TASKBOT_ADMINS")
	fs.Float64Var(&o.Rate, "rate", 25, "global limit of messages per second sent to Telegram")
	withEnv(fs, "rate", "TASKBOT_RATE")
	fs.StringVar(&o.TimeZone, "tz", "Asia/Shanghai", "time zone of people who have not chosen one")
	withEnv(fs, "tz", "TASKBOT_TZ")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address of the webhook listener (webhook mode); it serves the webhook path and nothing else")
	withEnv(fs, "listen", "TASKBOT_LISTEN")
	fs.DurationVar(&o.PollTimeout, "poll-timeout", 50*time.Second, "long-poll wait of getUpdates")
	withEnv(fs, "poll-timeout", "TASKBOT_POLL_TIMEOUT")
	fs.DurationVar(&o.SendTimeout, "send-timeout", 30*time.Second, "time allowed for one Bot API call before its outcome counts as unknown")
	withEnv(fs, "send-timeout", "TASKBOT_SEND_TIMEOUT")
	fs.DurationVar(&o.OutboxKeep, "outbox-keep", 720*time.Hour, "how long sent and failed messages are kept, and with them the context a reply to them is read in; older ones and their files are pruned")
	withEnv(fs, "outbox-keep", "TASKBOT_OUTBOX_KEEP")
	fs.StringVar(&o.WebhookURL, "webhook-url", "", "public HTTPS URL Telegram pushes updates to (webhook mode, for several instances); served on --listen at the URL's path; empty uses long polling")
	withEnv(fs, "webhook-url", "TASKBOT_WEBHOOK_URL")
	fs.StringVar(&o.WebhookSecret, "webhook-secret", "", "secret Telegram sends with each webhook call (1-256 of A-Z a-z 0-9 _ -)")
	withEnv(fs, "webhook-secret", "TASKBOT_WEBHOOK_SECRET")
	fs.DurationVar(&o.CorrectionWindow, "correction-window", models.DefaultCorrectionWindow, "how long after a report it may be corrected (button or edit) or withdrawn")
	withEnv(fs, "correction-window", "TASKBOT_CORRECTION_WINDOW")
	fs.BoolVar(&o.LeaveApproval, "leave-approval", false, "leave people record for themselves waits for approval by an admin or a leader or person in charge of their tasks, and stops reminders only once approved")
	withEnv(fs, "leave-approval", "TASKBOT_LEAVE_APPROVAL")
	fs.BoolVar(&o.DeputyCloseOut, "deputy-close-out", false, "a deputy may ask for the close-out (销号) of a task on behalf of the person on leave they stand in for")
	withEnv(fs, "deputy-close-out", "TASKBOT_DEPUTY_CLOSE_OUT")
	o.reminderOptions.register(fs)
	o.clusterOptions.register(fs)
	o.webOptions.register(fs)
	o.opsOptions.register(fs)
	o.weeklyOptions.register(fs)
	o.commitmentOptions.register(fs)
}

func (o *botOptions) admins() (map[int64]bool, error) {
	return parseAdmins(o.Admins)
}

// parseAdmins reads the --admin flag's Telegram user ids.
func parseAdmins(ids []string) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, s := range ids {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--admin %q: not a Telegram user id", s)
		}
		out[id] = true
	}
	return out, nil
}

func newRunCommand(a *app) *cobra.Command {
	var o botOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the bot: take updates, send reminders and answers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Token == "" {
				return errors.New("--token (or TASKBOT_TOKEN) is required; try `taskbot demo` to see the bot without one")
			}
			// One SQLite file, one bot: this also keeps `taskbot restore`
			// from replacing the database under a running bot.
			release, err := models.HoldDatabase(a.common.DB)
			if errors.Is(err, models.ErrInUse) {
				return fmt.Errorf("another taskbot is running on %s: %w", a.common.DB, err)
			}
			if err != nil {
				return err
			}
			defer release()
			store, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			return runBot(cmd.Context(), store, o, a.log, nil)
		},
	}
	o.register(cmd.Flags())
	return cmd
}

// runBot runs the bot until ctx ends, then shuts down in order: stop taking
// updates, finish the update in hand, finish the sends in flight, stop the
// HTTP endpoints. ready, when set, is called once everything runs.
func runBot(ctx context.Context, store *models.Store, o botOptions, log *slog.Logger, ready func()) error {
	admins, err := o.admins()
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return fmt.Errorf("--tz %q: %w", o.TimeZone, err)
	}
	if o.Rate <= 0 {
		return fmt.Errorf("--rate must be positive, got %v", o.Rate)
	}
	if o.OutboxKeep < 0 {
		return fmt.Errorf("--outbox-keep must not be negative, got %v", o.OutboxKeep)
	}
	if err := o.reminderOptions.validate(); err != nil {
		return err
	}
	if o.StallAfter <= o.PollTimeout+pollSlack {
		return fmt.Errorf("--stall-after %s must exceed --poll-timeout %s by more than %s: a long poll is no stall", o.StallAfter, o.PollTimeout, pollSlack)
	}
	watch := watchdog.New(o.StallAfter)
	api, err := newAPI(o.Token, o.APIURL, o.SendTimeout+5*time.Second, outbox.DefaultWorkers(o.Rate))
	if err != nil {
		return err
	}
	username := o.BotUsername
	if username == "" {
		username, err = botUsername(ctx, "", o.Token, o.APIURL)
		if err != nil {
			return err
		}
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		return err
	}
	// Charts go out hours later; a font that cannot load must stop the
	// bot now.
	if err := report.LoadFont(); err != nil {
		return err
	}
	if err := bot.RegisterCommands(ctx, api, catalog); err != nil {
		// The menu is a convenience: a bot without it still works.
		log.Warn("command menu not registered", "err", err)
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	handler := &bot.Handler{
		Catalog:          catalog,
		Render:           &bot.Renderer{Catalog: catalog, CorrectionWindow: o.CorrectionWindow},
		Admins:           admins,
		BotUsername:      username,
		Location:         loc,
		Logger:           log,
		CorrectionWindow: o.CorrectionWindow,
		Chats:            &bot.TelegramChats{API: api},
		LeaveApproval:    o.LeaveApproval,
		DeputyCloseOut:   o.DeputyCloseOut,
	}
	member := o.clusterOptions.member(store, log)
	member.Watch = watch.Part("heartbeat")
	// The outbox's calls go through connections that write nothing once
	// this instance's lease could have run out.
	sendTimeout := o.SendTimeout + 5*time.Second
	sendAPI, err := newAPIWith(o.Token, o.APIURL, sendTimeout, bot.NewFencedHTTPClient(outbox.DefaultWorkers(o.Rate), sendTimeout, member.Holds))
	if err != nil {
		return err
	}
	dispatcher, err := outbox.New(outbox.Options{
		Leadership:  member,
		Watch:       watch.Part("dispatcher"),
		Store:       store,
		Instance:    member.ID,
		Liveness:    member.Liveness(),
		Sender:      bot.NewSender(sendAPI),
		GlobalRate:  o.Rate,
		SendTimeout: o.SendTimeout,
		Keep:        o.OutboxKeep,
		// Every message this process queues wakes the dispatcher; an idle
		// poll twice a second was most of an idle bot's CPU.
		IdlePoll:      5 * time.Second,
		Logger:        log.With("part", "outbox"),
		Registerer:    registry,
		OnUnreachable: handler.NotifyUnreachable,
		Draw: func(ctx context.Context, out models.Outgoing) (models.Outgoing, error) {
			return handler.DrawDeferred(ctx, store.DB, out)
		},
	})
	if err != nil {
		return err
	}
	handler.LightRules = o.lightRules()
	handler.Rankings = o.Rankings
	if handler.BoardURL, err = o.webOptions.taskLinks(); err != nil {
		return err
	}
	if handler.Commitments, err = o.commitmentOptions.template(); err != nil {
		return err
	}
	reminders := o.reminders(store, catalog, loc, log.With("part", "reminders"), dispatcher.Notify)
	reminders.Watch = watch.Part("scheduler")
	summaries := &bot.Summaries{Handler: handler, Admins: admins}
	reminders.Summaries = summaries
	reminders.SummaryAt = o.SummaryAt
	reminders.Periods = summaries
	reminders.Returns = handler
	if err := o.weeklyOptions.wire(reminders, summaries); err != nil {
		return err
	}
	for id := range admins {
		reminders.Admins = append(reminders.Admins, id)
	}
	handler.RemindTask = reminders.RemindTask
	processor := &bot.Processor{
		Store:        store,
		Handler:      handler,
		Catalog:      catalog,
		Logger:       log.With("part", "inbox"),
		PollInterval: 2 * time.Second,
		// With long polling this process stores every update it handles
		// and wakes the processor itself; webhook calls may land on any
		// instance, whose updates only a poll finds.
		IdlePoll: 15 * time.Second,
		Handled:  dispatcher.Notify,
		Watch:    watch.Part("processor"),
	}
	poller := &bot.Poller{
		ServerURL:   o.APIURL,
		Token:       o.Token,
		Store:       store,
		Client:      &http.Client{Timeout: o.PollTimeout + 15*time.Second},
		PollTimeout: o.PollTimeout,
		Logger:      log.With("part", "updates"),
		Stored:      processor.Wake,
		Leads:       member.Holds,
		Watch:       watch.Part("poller"),
	}

	ops := &opsServer{Store: store, Registry: registry, Logger: log.With("part", "ops"), Watch: watch,
		WriteError: member.WriteError, Role: func() string {
			if member.Token() != 0 {
				return "leader"
			}
			return "standby"
		}}
	if err := ops.register(); err != nil {
		return err
	}
	if reminders.Metrics, err = scheduler.NewMetrics(registry); err != nil {
		return err
	}
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	if o.OpsListen != "" {
		stop, err := serve(o.OpsListen, ops.handler(), log, "ops")
		if err != nil {
			return fmt.Errorf("--ops-listen: %w", err)
		}
		stops = append(stops, stop)
	}
	if o.WebhookURL != "" {
		path, err := webhookPath(o.WebhookURL, o.WebhookSecret, o.Listen)
		if err != nil {
			return err
		}
		processor.IdlePoll = 0
		// The update may have landed on an instance that does not lead:
		// the leader hears of it at once through the database.
		stored := func() {
			processor.Wake()
			signalCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := store.Signal(signalCtx, models.SignalInbox); err != nil {
				log.Warn("the leader will find the update at its next look", "err", err)
			}
		}
		hook := &bot.Webhook{Store: store, Secret: o.WebhookSecret, Logger: log.With("part", "webhook"), Stored: stored,
			Watch: watch.Part("webhook")}
		stop, err := serve(o.Listen, webhookHandler(path, hook), log, "webhook")
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		stops = append(stops, stop)
		if _, err := api.SetWebhook(ctx, &tg.SetWebhookParams{URL: o.WebhookURL, SecretToken: o.WebhookSecret, AllowedUpdates: bot.AllowedUpdates}); err != nil {
			return fmt.Errorf("set webhook: %w", err)
		}
	}
	stopBoard, err := o.webOptions.startBoard(ctx, store, api, o.Token, admins, loc, o.lightRules(), log.With("part", "board"))
	if err != nil {
		return err
	}
	defer stopBoard()

	// Only the leader of the instances on the database delivers, schedules,
	// polls and processes; every instance serves the webhook, storing what
	// Telegram pushes for the leader to process.
	work := leaderWork{dispatcher: dispatcher.Run, reminders: reminders.Run, processor: processor.Run,
		listen: func(ctx context.Context) {
			store.Listen(ctx, map[models.Signal]func(){models.SignalOutbox: dispatcher.Notify, models.SignalInbox: processor.Wake},
				log.With("part", "signals"))
		}}
	if o.WebhookURL == "" {
		work.poller = poller.Run
	}
	clustered := make(chan error, 1)
	go func() {
		clustered <- member.Run(ctx, func(lead context.Context) { work.run(lead, log) })
	}()
	go memtrim.Run(ctx, trimEvery, trimKeep)
	log.Info("taskbot running", "bot", username, "db", store.Dialect, "admins", len(admins), "rate", o.Rate, "instance", member.ID)
	if ready != nil {
		ready()
	}

	<-ctx.Done()
	log.Info("shutting down")
	if err := <-clustered; err != nil {
		log.Error("cluster membership stopped", "err", err)
	}
	log.Info("stopped")
	return nil
}

// Once quiet for trimEvery after a burst, the bot gives back the memory the
// burst left if that is more than trimKeep.
const (
	trimEvery = 10 * time.Second
	trimKeep  = 2 << 20
)

var webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// webhookPath checks the webhook settings and returns the path to serve.
func webhookPath(rawURL, secret, listen string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--webhook-url %q is not a URL", rawURL)
	}
	if !webhookSecretPattern.MatchString(secret) {
		return "", errors.New("--webhook-secret is required in webhook mode: 1-256 of A-Z a-z 0-9 _ -")
	}
	if listen == "" {
		return "", errors.New("--listen is required in webhook mode")
	}
	if u.Path == "" || u.Path == "/" {
		return "", fmt.Errorf("--webhook-url needs a path of its own, e.g. https://bot.example.gov/telegram")
	}
	return u.Path, nil
}
