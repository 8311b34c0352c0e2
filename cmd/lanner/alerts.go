package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/output"
	"github.com/lanner-dev/lanner/sink"
)

func newAlertsCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List and show the alerts in the SQLite alert store that 'lanner watch' writes",
		Long: `Query the SQLite alert store that 'lanner watch' writes (its default sink).
--db FILE names the store; the default is $LANNER_ALERTS_DB, else
$XDG_STATE_HOME/lanner/alerts.db (~/.local/state/lanner/alerts.db).`,
		Example: `  lanner alerts list --since 24h --severity high
  lanner alerts list --rule T1204.001 --format ndjson | jq .host
  lanner alerts show 3f2a9c`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", "", "the alert store `FILE` (default: "+defaultAlertStore()+")")
	storePath := func() string {
		if db != "" {
			return db
		}
		return defaultAlertStore()
	}
	cmd.AddCommand(newAlertsListCmd(storePath), newAlertsShowCmd(storePath))
	return cmd
}

func openAlertStore(path string) (*sink.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, usageErr("alert store %s: %v (run 'lanner watch' first, or give --db FILE)", path, err)
	}
	st, err := sink.OpenStoreReadOnly(path)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return st, nil
}

// parseAlertTime takes a duration back from now (24h, 30m), an RFC 3339
// time or a date (UTC).
func parseAlertTime(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && fmt.Sprintf("%dd", n) == s {
			return now.AddDate(0, 0, -n), nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a duration (24h, 7d), an RFC 3339 time or a date", s)
}

func newAlertsListCmd(storePath func() string) *cobra.Command {
	var rules []string
	var severity, since, until, host, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored alerts, newest event first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := sink.Filter{Rules: rules, Host: host, Limit: limit}
			now := time.Now()
			var err error
			if since != "" {
				if f.Since, err = parseAlertTime(since, now); err != nil {
					return usageErr("--since: %v", err)
				}
			}
			if until != "" {
				if f.Until, err = parseAlertTime(until, now); err != nil {
					return usageErr("--until: %v", err)
				}
			}
			if severity != "" {
				if f.MinSeverity = sink.SeverityRank(severity); f.MinSeverity == 0 {
					return usageErr("--severity %q: informational, low, medium, high or critical", severity)
				}
			}
			if format == "" {
				format = "ndjson"
				if isTerminal(os.Stdout) {
					format = "table"
				}
			}
			switch format {
			case "table", "ndjson", "ocsf", "json":
			default:
				return usageErr("unknown --format %q (formats: table, ndjson, json, ocsf)", format)
			}
			st, err := openAlertStore(storePath())
			if err != nil {
				return err
			}
			defer st.Close()
			alerts, err := st.List(context.Background(), f)
			if err != nil {
				return err
			}
			return writeStoredAlerts(format, alerts)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&rules, "rule", nil, "only the alerts of rule `ID` (repeatable)")
	fs.StringVar(&severity, "severity", "", "only alerts of at least `LEVEL` (low, medium, high, critical)")
	fs.StringVar(&since, "since", "", "only events at or after `T` (a duration back from now: 24h, 7d; or a time)")
	fs.StringVar(&until, "until", "", "only events before `T`")
	fs.StringVar(&host, "host", "", "only alerts of host `NAME`")
	fs.IntVar(&limit, "limit", 0, "at most `N` alerts, the newest (default: all)")
	fs.StringVar(&format, "format", "", "output `FORMAT`: table, ndjson, json, ocsf (default: table on a terminal, else ndjson)")
	return cmd
}

// alertSummary is an alert as list writes it in ndjson and json.
type alertSummary struct {
	ID       string `json:"id"`
	Time     string `json:"time"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Host     string `json:"host,omitempty"`
	User     string `json:"user,omitempty"`
	Message  string `json:"message"`
}

func alertTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func writeStoredAlerts(format string, alerts []*sink.Stored) error {
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer w.Flush()
	switch format {
	case "ocsf":
		for _, a := range alerts {
			w.Write(a.Finding)
			w.WriteByte('\n')
		}
		return nil
	case "ndjson", "json":
		var list []alertSummary
		for _, a := range alerts {
			list = append(list, alertSummary{a.ID, alertTime(a.Time), a.Severity, a.Rule, a.Host, a.User, a.Message})
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if format == "json" {
			if list == nil {
				list = []alertSummary{}
			}
			return enc.Encode(list)
		}
		for _, s := range list {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	sec := &output.Section{Title: "alerts", Fields: []string{"time", "severity", "rule", "host", "user", "id", "message"}}
	for _, a := range alerts {
		e := &event.Event{}
		e.Set("time", alertTime(a.Time))
		e.Set("severity", a.Severity)
		e.Set("rule", a.Rule)
		e.Set("host", a.Host)
		e.Set("user", a.User)
		e.Set("id", a.ID)
		e.Set("message", a.Message)
		sec.Rows = append(sec.Rows, e)
	}
	w.Flush()
	if len(alerts) == 0 {
		fmt.Fprintln(os.Stderr, "lanner: no alert matches")
		return nil
	}
	if err := output.Write(os.Stdout, "table", []*output.Section{sec}, output.Options{Width: termWidth()}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "lanner: %s alert%s\n", num(int64(len(alerts))), plural(int64(len(alerts))))
	return nil
}

func newAlertsShowCmd(storePath func() string) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one stored alert (its id or a unique start of it): the OCSF finding",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "ocsf", "row":
			default:
				return usageErr("unknown --format %q (formats: ocsf, row)", format)
			}
			st, err := openAlertStore(storePath())
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := st.Get(context.Background(), args[0])
			if errors.Is(err, sink.ErrNotFound) {
				return usageErr("%v", err)
			}
			if err != nil {
				return err
			}
			src := a.Finding
			if format == "row" {
				src = a.Row
			}
			var out bytes.Buffer
			if err := json.Indent(&out, src, "", "  "); err != nil {
				return err
			}
			out.WriteByte('\n')
			_, err = os.Stdout.Write(out.Bytes())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "ocsf", "`FORMAT`: ocsf (the whole finding, indented) or row (the rule's output row)")
	return cmd
}
