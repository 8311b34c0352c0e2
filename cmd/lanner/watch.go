package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/sink"
	"github.com/lanner-dev/lanner/source"
	"github.com/lanner-dev/lanner/stream"
)

// watchFlags are the flags of `lanner watch`.
type watchFlags struct {
	ruleIDs, sigma, tuning, sinks []string
	rulesDir                      string
	window                        time.Duration
	fromEnd                       bool
	inputFormat                   string
	aidmaster, userinfo           string
	workers                       int
	kafkaBrokers, kafkaTopics     []string
	kafkaGroup, kafkaStart        string
	kafkaInstance                 string
	kafkaSession                  time.Duration
	kafkaMaxRecords               int
	metricsAddr                   string
	logFormat, logLevel           string
	drainTimeout                  time.Duration
	poll                          time.Duration
	webhookQueue, webhookWorkers  int
	webhookTimeout                time.Duration
}

func newWatchCmd() *cobra.Command {
	var fl watchFlags
	cmd := &cobra.Command{
		Use:   "watch [PATH…]",
		Short: "Run rules continuously over growing files, stdin or Kafka, writing alerts to sinks",
		Long: `Run detection rules (default: every built-in rule) continuously.

Files are read from their beginning (--from-end: their end), then followed like
'tail -F': appended lines, rotation, truncation, and new files in a directory. '-' is
stdin; with stdin as the only input, watch ends at its end. With --kafka-topic, watch
consumes Kafka as a member of a consumer group (--kafka-group): start several processes
with the same group and they split the partitions; offsets are committed only after the
alerts of those records are durably written to every sink (at-least-once).

A rule runs on a stream by its alerting part: the query without the limits of its
trailing sort/head/tail (presentation). A rule whose alerting part aggregates (groupBy,
count, join…) runs only with --window D, over tumbling windows of D by arrival time.

Alerts go to every --sink (repeatable): stdout and ndjson:FILE (one OCSF finding per
line, fsync'd), sqlite:FILE (the alert store; 'lanner alerts' queries it), webhook:URL
(HTTP POST of each OCSF finding, retried with backoff), kafka:TOPIC. The default is the
SQLite store (` + "`sqlite`" + ` alone names it: $LANNER_ALERTS_DB, else
$XDG_STATE_HOME/lanner/alerts.db). Each alert has a deterministic id (rule id + source
record), so a replay after a crash is stored once. A failing sink holds the input back;
nothing is dropped.

SIGINT/SIGTERM: stop reading, finish and write what is in hand, commit, exit 0 (a second
signal, or --drain-timeout, stops at once: what was not committed is read again next
time). --metrics-addr 127.0.0.1:PORT serves Prometheus metrics on /metrics. See
docs/streaming.md.`,
		Example: `  lanner watch /var/log/falcon/ --sink stdout
  tail -F events.ndjson | lanner watch - --rule T1204.001 --sink ndjson:alerts.ndjson
  lanner watch --kafka-brokers k1:9092,k2:9092 --kafka-topic falcon-events --kafka-group lanner \
      --sink sqlite:/var/lib/lanner/alerts.db --sink webhook:https://soar.example/hook \
      --metrics-addr 127.0.0.1:9464
  lanner alerts list --since 24h`,
		RunE: func(cmd *cobra.Command, args []string) error { return runWatch(cmd, args, fl) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&fl.ruleIDs, "rule", nil, "run only the rule with this `ID` (repeatable)")
	f.StringVar(&fl.rulesDir, "rules", "", "also load rule packs from `DIR`")
	f.StringArrayVar(&fl.sigma, "sigma", nil, "also run the Sigma rule(s) in `PATH` (repeatable)")
	f.StringArrayVar(&fl.tuning, "tuning", nil, "apply the exclusions in `FILE` (repeatable)")
	f.DurationVar(&fl.window, "window", 0, "run rules whose alerting part aggregates over tumbling windows of `D` (e.g. 5m)")
	f.BoolVar(&fl.fromEnd, "from-end", false, "start the files present at the start at their end (new files are read whole)")
	f.StringArrayVar(&fl.sinks, "sink", nil, "write alerts to `KIND[:TARGET]` (repeatable): stdout, ndjson:FILE, sqlite[:FILE], webhook:URL, kafka:TOPIC (default: sqlite)")
	f.StringVar(&fl.inputFormat, "input-format", "auto", "input `FORMAT` of every file or record (default: recognised)")
	f.StringVar(&fl.aidmaster, "falcon-aidmaster", "", "FDR aidmaster export (`FILE`): fill ComputerName from aid")
	f.StringVar(&fl.userinfo, "falcon-userinfo", "", "FDR userinfo export (`FILE`): fill UserName from UserSid")
	f.IntVar(&fl.workers, "workers", 0, "parallel workers (default: one per core)")
	f.StringSliceVar(&fl.kafkaBrokers, "kafka-brokers", nil, "Kafka seed brokers `HOST:PORT,…` (the Kafka source and the kafka sink)")
	f.StringSliceVar(&fl.kafkaTopics, "kafka-topic", nil, "consume the Kafka `TOPIC` (repeatable) instead of files")
	f.StringVar(&fl.kafkaGroup, "kafka-group", "lanner", "Kafka consumer `GROUP`: processes of one group split the partitions")
	f.StringVar(&fl.kafkaStart, "kafka-start", "earliest", "where a group with no committed offset starts: earliest or latest")
	f.StringVar(&fl.kafkaInstance, "kafka-instance-id", "", "static group membership `ID` (a restarted process gets its partitions back without a rebalance)")
	f.DurationVar(&fl.kafkaSession, "kafka-session-timeout", 45*time.Second, "a group member silent for `D` is dead and its partitions move")
	f.IntVar(&fl.kafkaMaxRecords, "kafka-max-records", 10000, "records per poll (`N`); each poll's alerts are written, then its offsets committed")
	f.StringVar(&fl.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://`ADDR`/metrics (loopback only, e.g. 127.0.0.1:9464)")
	f.StringVar(&fl.logFormat, "log-format", "text", "log `FORMAT` on stderr: text or json")
	f.StringVar(&fl.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn, error")
	f.DurationVar(&fl.drainTimeout, "drain-timeout", 30*time.Second, "after SIGINT/SIGTERM, give up writing what is in hand after `D`")
	f.DurationVar(&fl.poll, "poll-interval", 100*time.Millisecond, "how often followed files are checked for growth")
	f.IntVar(&fl.webhookQueue, "webhook-queue", 1024, "alerts a webhook sink queues (`N`); a full queue holds the input back")
	f.IntVar(&fl.webhookWorkers, "webhook-workers", 4, "parallel POSTs of a webhook sink")
	f.DurationVar(&fl.webhookTimeout, "webhook-timeout", 10*time.Second, "timeout of one webhook POST")
	return cmd
}

// watchLogger makes the structured logger of watch (stderr).
func watchLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("--log-level %q: debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, o)), nil
	}
	return nil, usageErr("--log-format %q: text or json", format)
}

// defaultAlertStore is the SQLite store of `watch` and `alerts` when none
// is named: $LANNER_ALERTS_DB, else $XDG_STATE_HOME/lanner/alerts.db, else
// ~/.local/state/lanner/alerts.db.
func defaultAlertStore() string {
	if p := os.Getenv("LANNER_ALERTS_DB"); p != "" {
		return p
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "lanner", "alerts.db")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "lanner", "alerts.db")
	}
	return "lanner-alerts.db"
}

func runWatch(cmd *cobra.Command, args []string, fl watchFlags) error {
	log, err := watchLogger(fl.logFormat, fl.logLevel)
	if err != nil {
		return err
	}
	kafka := len(fl.kafkaTopics) > 0
	switch {
	case kafka && len(args) > 0:
		return usageErr("give either PATHs or --kafka-topic, not both")
	case kafka && len(fl.kafkaBrokers) == 0:
		return usageErr("--kafka-topic needs --kafka-brokers")
	case kafka && fl.fromEnd:
		return usageErr("--from-end is for files; a new Kafka group starts where --kafka-start says")
	case fl.window < 0:
		return usageErr("--window must be positive")
	case !source.KnownFormat(fl.inputFormat):
		return usageErr("unknown --input-format %q (formats: %s)", fl.inputFormat, strings.Join(source.FormatNames(), ", "))
	}
	if fl.metricsAddr != "" {
		if _, err := stream.LoopbackAddr(fl.metricsAddr); err != nil {
			return usageErr("%v", err)
		}
	}
	paths := args
	if !kafka && len(paths) == 0 {
		paths = []string{"-"}
	}
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return usageErr("%v", err)
		}
	}

	packs, err := loadPacks(fl.rulesDir)
	if err != nil {
		return err
	}
	rules := detect.RulesOf(packs)
	if len(fl.ruleIDs) > 0 {
		if rules, err = selectRules(rules, fl.ruleIDs); err != nil {
			return err
		}
	}
	// Sigma rules run as their compiled queries, each a rule of the stream
	// (the engine's results; detect's routed Ruleset is a batch speed-up).
	sig, err := loadSigmaRules(fl.sigma)
	if err != nil {
		return err
	}
	rules = append(rules, sig.Rules...)
	if len(rules) == 0 {
		return usageErr("no rules to run")
	}
	exclusions, err := loadExclusions(packs, fl.tuning)
	if err != nil {
		return err
	}
	dec := &stream.Decoding{Format: fl.inputFormat}
	if fl.aidmaster != "" || fl.userinfo != "" {
		lk, err := source.LoadLookups(fl.aidmaster, fl.userinfo)
		if err != nil {
			return usageErr("%v", err)
		}
		dec.Lookups = lk
	}

	metrics := stream.NewMetrics()
	specs := fl.sinks
	if len(specs) == 0 {
		specs = []string{"sqlite"}
	}
	sopts := sink.Options{KafkaBrokers: fl.kafkaBrokers, DefaultStore: defaultAlertStore(), Logger: log, Version: version,
		WebhookQueue: fl.webhookQueue, WebhookWorkers: fl.webhookWorkers, WebhookTimeout: fl.webhookTimeout,
		OnError: func(name string, _ error) { metrics.SinkError(name) }}
	var sinks []sink.Sink
	closeSinks := func() {
		for _, s := range sinks {
			s.Close()
		}
	}
	for _, spec := range specs {
		s, err := sink.Open(spec, sopts)
		if err != nil {
			closeSinks()
			if errors.Is(err, sink.ErrUsage) {
				return usageErr("%v", err)
			}
			return usageErr("--sink %s: %v", spec, err)
		}
		sinks = append(sinks, s)
	}

	proc, err := stream.NewProcessor(stream.Config{Rules: rules, Exclusions: exclusions, Window: fl.window, Sinks: sinks,
		NewDecoder: source.DecoderFactory(dec.Lookups), NoPrefilter: !dec.Lookups.Empty(), Workers: fl.workers,
		Logger: log, Metrics: metrics, Version: version})
	if err != nil {
		closeSinks()
		var we *stream.WindowError
		var ce *detect.CompileError
		switch {
		case errors.As(err, &we):
			return usageErr("%v", err)
		case errors.As(err, &ce):
			return queryError(ce.Rule.Source+"/query.cql", ce.Rule.Query, ce.Err)
		}
		return err
	}

	// Signals: the first stops the input and drains; a second one, or
	// the drain timeout, stops the draining.
	input, stopInput := context.WithCancel(context.Background())
	defer stopInput()
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			log.Info("stopping: finishing what is in hand", "signal", s.String(), "drain_timeout", fl.drainTimeout.String())
			stopInput()
		case <-work.Done():
			return
		}
		t := time.NewTimer(fl.drainTimeout)
		defer t.Stop()
		select {
		case s := <-sigs:
			log.Warn("second signal: stopping now", "signal", s.String())
		case <-t.C:
			log.Warn("drain timeout: stopping now")
		case <-work.Done():
		}
		stopWork()
	}()

	if fl.metricsAddr != "" {
		addr, err := stream.ServeMetrics(work, fl.metricsAddr, metrics, log)
		if err != nil {
			proc.Close(work)
			return usageErr("--metrics-addr: %v", err)
		}
		log.Info("metrics", "url", "http://"+addr+"/metrics")
	}
	perEvent, windowed := proc.Rules()
	var sinkNames []string
	for _, s := range sinks {
		sinkNames = append(sinkNames, s.Name())
	}
	log.Info("watching", "rules", strings.Join(perEvent, ","), "windowed_rules", strings.Join(windowed, ","),
		"window", fl.window.String(), "sinks", strings.Join(sinkNames, ","), "inputs", watchInputs(kafka, fl, paths))

	start := time.Now()
	var runErr error
	if kafka {
		var st *stream.KafkaStats
		st, runErr = stream.ConsumeKafka(input, work, stream.KafkaOptions{Brokers: fl.kafkaBrokers, Topics: fl.kafkaTopics,
			Group: fl.kafkaGroup, InstanceID: fl.kafkaInstance, Start: fl.kafkaStart, SessionTimeout: fl.kafkaSession,
			MaxRecords: fl.kafkaMaxRecords, Decoding: dec, Logger: log, Metrics: metrics, CommitDelay: testCommitDelay()}, proc)
		if st != nil {
			log.Info("kafka consumer done", "records", st.Records, "polls", st.Polls, "commits", st.Commits)
		}
	} else {
		runErr = watchFiles(input, work, paths, fl, dec, proc, log)
	}
	if err := proc.Close(work); err != nil && runErr == nil {
		runErr = err
	}
	el := time.Since(start)
	log.Info("stopped", "events", metrics.EventsIn.Load(), "alerts", metrics.AlertsOut(), "skipped", metrics.Skipped.Load(),
		"suppressed", metrics.Suppressed.Load(), "seconds", fmt.Sprintf("%.2f", el.Seconds()))
	if runErr != nil {
		if work.Err() != nil {
			return &exitError{code: 2, msg: "stopped before everything in hand was written (it is read again next time): " + runErr.Error()}
		}
		return &exitError{code: 2, msg: runErr.Error()}
	}
	return nil
}

// testCommitDelay is $LANNER_TEST_COMMIT_DELAY: tests widen the window
// between writing alerts and committing offsets with it, so that a killed
// process leaves records to read again.
func testCommitDelay() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("LANNER_TEST_COMMIT_DELAY"))
	return d
}

func chunkSize(c stream.Chunk) int {
	n := 0
	for _, b := range c.Batches {
		n += len(b.Data) + 256*len(b.Events)
	}
	return n
}

func watchInputs(kafka bool, fl watchFlags, paths []string) string {
	if kafka {
		return fmt.Sprintf("kafka topics %s, group %s, brokers %s", strings.Join(fl.kafkaTopics, ","), fl.kafkaGroup, strings.Join(fl.kafkaBrokers, ","))
	}
	return strings.Join(paths, ",")
}

// watchFiles follows the paths and runs each chunk through the processor,
// closing windows on time.
func watchFiles(input, work context.Context, paths []string, fl watchFlags, dec *stream.Decoding, proc *stream.Processor, log *slog.Logger) error {
	chunks := make(chan stream.Chunk, 16)
	followErr := make(chan error, 1)
	go func() {
		followErr <- stream.Follow(input, paths, stream.FollowOptions{FromEnd: fl.fromEnd, Poll: fl.poll, Decoding: dec, Logger: log}, chunks)
		close(chunks)
	}()
	var tick <-chan time.Time
	if proc.Windowed() {
		t := time.NewTicker(min(time.Second, fl.window/4+time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case c, ok := <-chunks:
			if !ok {
				return <-followErr
			}
			// A backlog (a file read from its start, a fast pipe) goes
			// through in bigger steps: the engine's workers share them.
			batches, size := c.Batches, chunkSize(c)
		more:
			for size < 8<<20 {
				select {
				case c2, ok := <-chunks:
					if !ok {
						break more
					}
					batches = append(batches, c2.Batches...)
					size += chunkSize(c2)
				default:
					break more
				}
			}
			if err := proc.Process(work, batches); err != nil {
				// Unblock the follower, then report.
				go func() {
					for range chunks {
					}
				}()
				return err
			}
		case <-tick:
		}
		if proc.WindowDue(time.Now()) {
			if err := proc.FlushWindow(work); err != nil {
				return err
			}
		}
	}
}
