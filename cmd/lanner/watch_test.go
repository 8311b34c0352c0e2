package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/sink"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running lanner.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	err            error
}

func start(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	return startEnv(t, stdin, nil, args...)
}

func startEnv(t *testing.T, stdin io.Reader, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Stdin = p.stdout, p.stderr, stdin
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop sends SIGTERM and waits; it returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(t, 20*time.Second)
}

func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("lanner did not stop in %v; stderr:\n%s", d, p.stderr.String())
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 0
}

// waitFor polls cond until it holds or d passes.
// tail is the end of a process's log, for failure messages.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// batchIDs are the alert ids `lanner detect --all` gives over a file.
func batchIDs(t *testing.T, path string) []string {
	t.Helper()
	r := run(t, nil, "detect", "--all", "--format", "ocsf", path)
	if r.code != 0 {
		t.Fatalf("detect: %d\n%s", r.code, r.stderr)
	}
	return findingIDs(t, r.stdout)
}

func findingIDs(t *testing.T, ndjson string) []string {
	t.Helper()
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		if l == "" {
			continue
		}
		var f struct {
			FindingInfo struct {
				UID string `json:"uid"`
			} `json:"finding_info"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil || f.FindingInfo.UID == "" {
			t.Fatalf("not a finding: %v: %.200s", err, l)
		}
		ids = append(ids, f.FindingInfo.UID)
	}
	sort.Strings(ids)
	return ids
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	g := map[string]int{}
	for _, id := range got {
		g[id]++
	}
	var lost, dup, extra int
	w := map[string]bool{}
	for _, id := range want {
		w[id] = true
		if g[id] == 0 {
			lost++
		}
	}
	for id, n := range g {
		if !w[id] {
			extra++
		}
		if n > 1 {
			dup++
		}
	}
	if lost+dup+extra > 0 || len(got) != len(want) {
		t.Fatalf("%s: %d alerts, batch has %d: %d lost, %d duplicated, %d not in the batch run", what, len(got), len(want), lost, dup, extra)
	}
}

func writeDemo(t *testing.T, dir string) (string, []byte) {
	data := demo.NDJSON()
	path := filepath.Join(dir, "demo.ndjson")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// TestWatchFollowsGrowingFile: an alert comes out within a second of its
// line being appended.
func TestWatchFollowsGrowingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.ndjson")
	os.WriteFile(path, []byte(`{"event_simpleName":"ProcessRollup2","timestamp":"1700000000000","aid":"a0","FileName":"notepad.exe","ParentBaseFileName":"explorer.exe","CommandLine":"notepad"}`+"\n"), 0o644)
	p := start(t, nil, "watch", path, "--sink", "stdout", "--sink", "sqlite:"+filepath.Join(dir, "a.db"), "--rule", "T1204.001")
	waitFor(t, 10*time.Second, "watch to start", func() bool { return strings.Contains(p.stderr.String(), "msg=watching") })
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var worst time.Duration
	for i := 1; i <= 3; i++ {
		line := fmt.Sprintf(`{"event_simpleName":"ProcessRollup2","timestamp":"170000000%04d","aid":"a%d","TargetProcessId":"%d","ComputerName":"host%d","FileName":"powershell.exe","ParentBaseFileName":"chrome.exe","CommandLine":"powershell.exe -enc SQBFAFgA"}`+"\n", i, i, i, i)
		t0 := time.Now()
		f.WriteString(line)
		waitFor(t, 5*time.Second, "the alert", func() bool { return strings.Count(p.stdout.String(), "\n") >= i })
		d := time.Since(t0)
		worst = max(worst, d)
		t.Logf("alert %d after %v", i, d.Round(time.Millisecond))
	}
	if worst > time.Second {
		t.Errorf("an alert took %v after its line was written (want < 1s)", worst)
	}
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "msg=stopped") {
		t.Errorf("no stop summary:\n%s", p.stderr.String())
	}
	// The store has them, and `lanner alerts` lists and shows them.
	r := run(t, nil, "alerts", "list", "--db", filepath.Join(dir, "a.db"), "--format", "ndjson")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, `"host":"host2"`) {
		t.Fatalf("alerts list: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var first struct{ ID string }
	json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &first)
	r = run(t, nil, "alerts", "show", first.ID[:8], "--db", filepath.Join(dir, "a.db"))
	if r.code != 0 || !strings.Contains(r.stdout, `"uid": "`+first.ID+`"`) || !strings.Contains(r.stdout, `"class_uid": 2004`) {
		t.Fatalf("alerts show: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "alerts", "list", "--db", filepath.Join(dir, "a.db"), "--severity", "critical", "--format", "ndjson")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("no alert is critical: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestWatchStdinMatchesBatch: watch over stdin ends at its end with the
// alerts of a batch run, in the NDJSON file sink and the store.
func TestWatchStdinMatchesBatch(t *testing.T) {
	dir := t.TempDir()
	path, data := writeDemo(t, dir)
	want := batchIDs(t, path)
	out := filepath.Join(dir, "alerts.ndjson")
	r := run(t, data, "watch", "-", "--sink", "ndjson:"+out, "--sink", "sqlite:"+filepath.Join(dir, "a.db"), "--log-level", "warn")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(out)
	sameIDs(t, "ndjson sink", findingIDs(t, string(b)), want)
	st, err := sink.OpenStoreReadOnly(filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids, _ := st.IDs(context.Background())
	sameIDs(t, "store", ids, want)
}

func TestWatchUsageErrors(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeDemo(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", path, "--metrics-addr", "0.0.0.0:9464"}, "loopback"},
		{[]string{"watch", path, "--sink", "nope"}, "unknown kind"},
		{[]string{"watch", path, "--kafka-topic", "t"}, "both"},
		{[]string{"watch", "--kafka-topic", "t"}, "--kafka-brokers"},
		{[]string{"watch", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"watch", path, "--sigma", "x.yml"}, "--sigma"},
		{[]string{"alerts", "list", "--db", filepath.Join(dir, "none.db")}, "no such file"},
	} {
		r := run(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// A rule whose alerting part aggregates needs --window.
	rules := filepath.Join(dir, "rules", "T1059")
	os.MkdirAll(filepath.Join(rules, "tests"), 0o755)
	os.WriteFile(filepath.Join(rules, "rule.yml"), []byte(`id: T1059
title: Many PowerShell starts on one host
description: Many PowerShell processes on one host.
attack:
  tactic: {id: TA0002, name: Execution}
  technique: {id: T1059, name: Command and Scripting Interpreter}
  reference: https://attack.mitre.org/techniques/T1059/
severity: medium
confidence: low
data_sources: [Falcon]
required_events: ["#event_simpleName=ProcessRollup2"]
`), 0o644)
	os.WriteFile(filepath.Join(rules, "query.cql"), []byte("#event_simpleName=ProcessRollup2 | FileName=/powershell/i\n| groupBy([ComputerName], function=count())\n| _count > 2\n| sort(_count, limit=10)\n"), 0o644)
	os.WriteFile(filepath.Join(rules, "playbook.md"), []byte("# Playbook\n\n## T1059\nLook.\n"), 0o644)
	os.WriteFile(filepath.Join(rules, "tests", "main.yml"), []byte(`cases:
  - name: three
    events:
      - {event_simpleName: ProcessRollup2, timestamp: "1", ComputerName: A, FileName: powershell.exe}
      - {event_simpleName: ProcessRollup2, timestamp: "2", ComputerName: A, FileName: powershell.exe}
      - {event_simpleName: ProcessRollup2, timestamp: "3", ComputerName: A, FileName: powershell.exe}
    expect:
      - {rule: T1059}
`), 0o644)
	r := run(t, nil, "watch", path, "--rules", filepath.Join(dir, "rules"), "--rule", "T1059")
	if r.code != 2 || !strings.Contains(r.stderr, "T1059: groupBy() at 2:3") || !strings.Contains(r.stderr, "--window") {
		t.Fatalf("aggregating rule without --window: exit %d\n%s", r.code, r.stderr)
	}
	// With a window it runs, and alerts when the window closes.
	r = run(t, []byte(strings.Repeat(`{"event_simpleName":"ProcessRollup2","ComputerName":"H","FileName":"powershell.exe","n":"x"}`+"\n", 1)+
		`{"event_simpleName":"ProcessRollup2","ComputerName":"H","FileName":"powershell.exe","n":"y"}`+"\n"+
		`{"event_simpleName":"ProcessRollup2","ComputerName":"H","FileName":"powershell.exe","n":"z"}`+"\n"),
		"watch", "-", "--rules", filepath.Join(dir, "rules"), "--rule", "T1059", "--window", "1m", "--sink", "stdout", "--log-level", "warn")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, `"_count":"3"`) {
		t.Fatalf("windowed rule: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestWatchWebhookFailsThenRecovers: the receiver is down for a while;
// every alert still arrives, and the metrics count the failed attempts.
func TestWatchWebhookFailsThenRecovers(t *testing.T) {
	dir := t.TempDir()
	path, data := writeDemo(t, dir)
	want := batchIDs(t, path)
	var mu sync.Mutex
	var got []string
	var healthy atomic.Bool
	var failures atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !healthy.Load() {
			failures.Add(1)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		got = append(got, findingIDs(t, string(body))...)
		mu.Unlock()
	}))
	defer srv.Close()
	p := start(t, bytes.NewReader(data), "watch", "-", "--sink", "webhook:"+srv.URL, "--metrics-addr", "127.0.0.1:0", "--log-format", "json")
	waitFor(t, 10*time.Second, "failed posts", func() bool { return failures.Load() >= 5 })
	// /metrics, on loopback, counts the sink's errors meanwhile.
	var metricsURL string
	for _, l := range strings.Split(p.stderr.String(), "\n") {
		if strings.Contains(l, `"msg":"metrics"`) {
			var m struct{ URL string }
			json.Unmarshal([]byte(l), &m)
			metricsURL = m.URL
		}
	}
	if !strings.HasPrefix(metricsURL, "http://127.0.0.1:") {
		t.Fatalf("no loopback metrics URL in the log:\n%s", p.stderr.String())
	}
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(mb), `lanner_sink_errors_total{sink="webhook:`) || !strings.Contains(string(mb), "lanner_events_in_total") {
		t.Errorf("metrics:\n%s", mb)
	}
	healthy.Store(true)
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(got)
	uniq := got[:0]
	for i, id := range got {
		if i == 0 || id != got[i-1] {
			uniq = append(uniq, id)
		}
	}
	sameIDs(t, "webhook", uniq, want)
}

// TestWatchKafkaKillAndRestart: two lanner processes of one consumer group
// split a topic; one is killed (SIGKILL) mid-stream and restarted. The
// store then holds exactly the alerts of `lanner detect --all` over the
// same events: none lost, none twice.
func TestWatchKafkaKillAndRestart(t *testing.T) {
	dir := t.TempDir()
	path, data := writeDemo(t, dir)
	want := batchIDs(t, path)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "events"), kfake.GroupMinSessionTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := strings.Join(cluster.ListenAddrs(), ",")
	if !strings.HasPrefix(brokers, "127.0.0.1:") {
		t.Fatalf("kfake not on loopback: %s", brokers)
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic("events"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	produce := func(ls [][]byte) error {
		var recs []*kgo.Record
		for _, l := range ls {
			key := l
			if i := bytes.Index(l, []byte(`"aid":"`)); i >= 0 {
				key = l[i+7 : i+7+bytes.IndexByte(l[i+7:], '"')]
			}
			recs = append(recs, &kgo.Record{Key: key, Value: l})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return prod.ProduceSync(ctx, recs...).FirstErr()
	}
	db := filepath.Join(dir, "alerts.db")
	args := []string{"watch", "--kafka-brokers", brokers, "--kafka-topic", "events", "--kafka-group", "detectors",
		"--kafka-session-timeout", "1s", "--kafka-max-records", "40", "--sink", "sqlite:" + db, "--log-format", "json", "--workers", "1"}
	// A pause between writing alerts and committing makes the kill land
	// between the two: the killed member's last records are read again.
	slow := []string{"LANNER_TEST_COMMIT_DELAY=300ms"}
	a := startEnv(t, nil, slow, args...)
	b := start(t, nil, args...)
	defer func() {
		if t.Failed() {
			t.Logf("A:\n%s\nB:\n%s", tail(a.stderr.String(), 3000), tail(b.stderr.String(), 3000))
		}
	}()
	assigned := func(p *proc) bool { return strings.Contains(p.stderr.String(), `"msg":"partitions assigned"`) }
	waitFor(t, 15*time.Second, "both members to join", func() bool { return assigned(a) && assigned(b) })
	// The cooperative balancer gives the second member its share in a
	// second round. Killing A while that round is open would leave the
	// group waiting out the rebalance timeout (a minute) for A to rejoin:
	// wait until B holds partitions.
	holds := regexp.MustCompile(`"msg":"partitions assigned","partitions":"map\[events:`)
	waitFor(t, 30*time.Second, "member B to get its partitions", func() bool { return holds.MatchString(b.stderr.String()) })

	// A third of the events, then kill -9 one member as soon as it has
	// written alerts, while more events arrive.
	third := len(lines) / 3
	if err := produce(lines[:third]); err != nil {
		t.Fatal(err)
	}
	alertsOf := func(p *proc) int { return strings.Count(p.stderr.String(), `"msg":"alert"`) }
	waitFor(t, 15*time.Second, "member A to write alerts", func() bool { return alertsOf(a) > 0 })
	produced := make(chan error, 1)
	go func() { produced <- produce(lines[third : 2*third]) }()
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	a.wait(t, 5*time.Second)
	t.Logf("killed A after %d alerts", alertsOf(a))
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	if err := produce(lines[2*third:]); err != nil {
		t.Fatal(err)
	}
	a2 := start(t, nil, args...)

	st, err := sink.OpenStoreReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored int64
	defer func() {
		if t.Failed() {
			t.Logf("store holds %d of %d alerts\nB:\n%s\nA restarted:\n%s", stored, len(want), tail(b.stderr.String(), 3000), tail(a2.stderr.String(), 3000))
		}
	}()
	waitFor(t, 30*time.Second, "every alert in the store", func() bool {
		stored, _ = st.Count(context.Background())
		return int(stored) >= len(want)
	})
	for _, p := range []*proc{a2, b} {
		if code := p.stop(t); code != 0 {
			t.Fatalf("exit %d after SIGTERM\n%s", code, p.stderr.String())
		}
	}
	ids, err := st.IDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "store", ids, want)
	written := alertsOf(a) + alertsOf(b) + alertsOf(a2)
	t.Logf("alerts written: A %d before the kill, B %d, A restarted %d; %d replayed; store %d, batch %d", alertsOf(a), alertsOf(b), alertsOf(a2), written-len(want), len(ids), len(want))
	if written == len(want) {
		t.Log("note: the kill landed after a commit; no record was read twice this time")
	}
	if alertsOf(b) == 0 {
		t.Error("member B wrote no alert: the group did not split the load")
	}
	// Every offset is committed: a new member of the group finds nothing
	// left to read.
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumerGroup("detectors"), kgo.ConsumeTopics("events"),
		kgo.DisableAutoCommit(), kgo.SessionTimeout(time.Second), kgo.HeartbeatInterval(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	left := 0
	for ctx.Err() == nil {
		left += len(cl.PollFetches(ctx).Records())
	}
	if left > 0 {
		t.Errorf("%d records were left uncommitted after a clean stop", left)
	}
}

// watch --sigma runs Sigma rules on the stream, next to the built-in rules.
func TestWatchSigma(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "mshta.yml")
	os.WriteFile(rule, []byte(`title: Browser starts mshta
id: 6f1a3c52-0d4e-4a57-9b1e-2f7c8d9e0a11
status: test
logsource:
  category: process_creation
  product: windows
detection:
  sel:
    Image|endswith: '\mshta.exe'
    ParentImage|endswith:
      - '\chrome.exe'
      - '\msedge.exe'
  condition: sel
level: high
`), 0o644)
	out := filepath.Join(dir, "alerts.ndjson")
	r := run(t, demo.NDJSON(), "watch", "-", "--sigma", rule, "--sink", "ndjson:"+out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sig, seed := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.Contains(l, "6f1a3c52-0d4e-4a57-9b1e-2f7c8d9e0a11"):
			sig++
		case strings.Contains(l, `"T1204.001"`):
			seed++
		}
	}
	if sig == 0 || seed == 0 {
		t.Fatalf("want alerts from the Sigma rule and the built-in rule, got %d and %d", sig, seed)
	}
}
