package engine

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

func TestAggregates(t *testing.T) {
	in := ev("host", "a", "user", "u1", "n", "1", "timestamp", "1767225600000") +
		ev("host", "b", "user", "u1", "n", "2.5", "timestamp", "1767225660000") +
		ev("host", "a", "user", "u2", "n", "3", "timestamp", "1767225720000") +
		ev("host", "a", "user", "u2", "n", "x", "timestamp", "1767229200000") +
		ev("user", "u3", "n", "4", "timestamp", "1767229260000")
	runCases(t, []fnCase{
		{"groupBy default count", `groupBy(host)`, in, "host=a _count=3\nhost=b _count=1\n"},
		{"groupBy drops events without the key", `groupBy([host, user])`, in, "host=a user=u1 _count=1\nhost=b user=u1 _count=1\nhost=a user=u2 _count=2\n"},
		{"groupBy functions", `groupBy(host, function=[count(user, distinct=true, as=users), sum(n), avg(n), min(n), max(n)])`, in,
			"host=a users=2 _sum=4 _avg=2 _min=1 _max=3\nhost=b users=1 _sum=2.5 _avg=2.5 _min=2.5 _max=2.5\n"},
		{"groupBy function=[]", `groupBy(user, function=[])`, in, "user=u1\nuser=u2\nuser=u3\n"},
		{"count", `count()`, in, "_count=5\n"},
		{"count field", `count(host)`, in, "_count=4\n"},
		{"count distinct", `count(user, distinct=true, as=u)`, in, "u=3\n"},
		{"count on no events", `host=zzz | count()`, in, "_count=0\n"},
		{"assignment form", `c := count()`, in, "c=5\n"},
		{"stats", `stats([count(), sum(n, as=total)])`, in, "_count=5 total=10.5\n"},
		{"collect", `collect([user, host])`, in, "user=u1\nu2\nu3 host=a\nb\n"},
		{"collect limit separator", `collect(user, limit=2, separator=", ")`, in, "user=u1, u2\n"},
		{"top", `top(user)`, in, "user=u2 _count=2\nuser=u1 _count=2\nuser=u3 _count=1\n"[:0] + "user=u1 _count=2\nuser=u2 _count=2\nuser=u3 _count=1\n"},
		{"top limit percent rest", `top(user, limit=1, percent=true, rest=others)`, in, "user=u1 _count=2 percent=40\nuser=others _count=3 percent=60\n"},
		{"top sum", `top(host, sum=n)`, in, "host=a _sum=4\nhost=b _sum=2.5\n"},
		{"selectLast", `groupBy(host, function=selectLast([user, n]))`, in, "host=a user=u2 n=x\nhost=b user=u1 n=2.5\n"},
		{"selectFromMax", `selectFromMax(n, include=[user, n])`, in, "user=u3 n=4\n"},
		{"selectFromMin", `groupBy(host, function=selectFromMin(n, include=[user]))`, in, "host=a user=u1\nhost=b user=u1\n"},
		{"series", `groupBy(host, function=series(user, separator=" "))`, in, "host=a user=u1 u2 u2\nhost=b user=u1\n"},
		{"percentile", `percentile(n, percentiles=[50, 100])`, in, "_50=2.5 _100=4\n"},
		{"stdDev", `stdDev(n)`, ev("n", "2") + ev("n", "4") + ev("n", "4") + ev("n", "4") + ev("n", "5") + ev("n", "5") + ev("n", "7") + ev("n", "9"), "_stddev=2\n"},
		{"composite function", `groupBy(host, function=[{user=u2 | count(as=u2s)}, {count() | perMin := _count * 60}])`, in, "host=a u2s=2 _count=3 perMin=180\nhost=b u2s=0 _count=1 perMin=60\n"},
		{"rows flow on", `groupBy(host) | _count > 1 | rate := _count * 2`, in, "host=a _count=3 rate=6\n"},
		{"second groupBy", `groupBy([host, user]) | groupBy(host, function=count(as=users))`, in, "host=a users=2\nhost=b users=1\n"},
		{"table after groupBy", `groupBy(host) | table([_count, host])`, in, "_count=3 host=a\n_count=1 host=b\n"},
		{"bucket", `bucket(span=1h)`, in, "_bucket=1767225600000 _count=3\n_bucket=1767229200000 _count=2\n"},
		{"bucket by field", `bucket(span=1h, field=host, function=count(as=c))`, in, "_bucket=1767225600000 host=a c=2\n_bucket=1767225600000 host=b c=1\n_bucket=1767229200000 host=a c=1\n"},
		{"timeChart series limit", `timeChart(user, span=1h, limit=2)`, in, "_bucket=1767225600000 user=u1 _count=2\n_bucket=1767225600000 user=u2 _count=1\n_bucket=1767229200000 user=u2 _count=1\n"},
		{"timeChart auto span", `timeChart(function=max(n), buckets=1)`, in, "_bucket=1767225600000 _max=4\n"},
		{"documented min/max", `groupBy(host, function=[count(), min(@timestamp), max(@timestamp)]) | timeDiff := _max - _min | timeDiff > 100000 and _count > 1`, in,
			"host=a _count=3 _min=1767225600000 _max=1767229200000 timeDiff=3600000\n"},
	}, Options{})
}

func TestGroupLimitWarns(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString(ev("k", strconv.Itoa(i%12)))
	}
	for _, w := range []int{1, 4} {
		rows, st, err := tryRun(`groupBy(k, limit=10)`, b.String(), Options{}, w, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 10 {
			t.Fatalf("rows %d", len(rows))
		}
		if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "limit of 10 groups") || !strings.Contains(st.Warnings[0], "4 events") {
			t.Fatalf("warnings %q", st.Warnings)
		}
	}
}

// genEvents makes n pseudo-random events for differential tests.
func genEvents(n int, seed int64) string {
	r := rand.New(rand.NewSource(seed))
	var b strings.Builder
	for i := 0; i < n; i++ {
		kv := []string{"host", fmt.Sprintf("h%d", r.Intn(40)), "user", fmt.Sprintf("u%d", r.Intn(300)),
			"timestamp", strconv.FormatInt(1767225600000+int64(i)*1000+int64(r.Intn(1000)), 10),
			"bytes", strconv.Itoa(r.Intn(100000)), "ratio", strconv.FormatFloat(r.Float64()*10, 'f', 3, 64),
			"msg", fmt.Sprintf("k%d=v%d k%d=v%d", r.Intn(5), r.Intn(9), r.Intn(5), r.Intn(9))}
		if r.Intn(10) == 0 {
			kv = kv[2:] // no host
		}
		b.WriteString(ev(kv...))
	}
	return b.String()
}

// TestParallelEqualsSequential runs aggregates with 1 and 4 workers over
// generated input, in batches of several sizes: the rows must be equal.
func TestParallelEqualsSequential(t *testing.T) {
	in := genEvents(6000, 42)
	queries := []string{
		`groupBy(host)`,
		`groupBy([host, user], function=[count(), sum(bytes), avg(ratio), min(ratio), max(bytes), collect(user, limit=5), selectLast(msg)], limit=300)`,
		`groupBy(host, function=[count(user, distinct=true), series(user, memlimit=100), percentile(bytes), stdDev(ratio)])`,
		`groupBy(user, limit=50)`,
		`top(user, limit=7, percent=true, rest=other)`,
		`stats([count(), sum(ratio), selectFromMax(bytes, include=[host, user]), selectFromMin(ratio, include=[user])])`,
		`timeChart(host, span=10min, function=[count(), sum(bytes)], limit=5)`,
		`bucket(field=host, function=avg(ratio))`,
		`regex("(?<k>k\\d)=(?<v>v\\d)", field=msg, repeat=true) | groupBy([k, v])`,
		`host=h1* | groupBy(user) | groupBy(_count, function=collect(user))`,
		`selfJoinFilter(field=host, where=[{user=u1*}, {bytes>99000}]) | groupBy(host)`,
		`head(3000) | groupBy(host, function=sum(ratio))`,
	}
	for _, q := range queries {
		var want string
		for _, cfg := range []struct{ workers, per int }{{1, 1000}, {1, 17}, {4, 17}, {4, 256}, {3, 1}} {
			rows, st, err := tryRun(q, in, Options{}, cfg.workers, cfg.per)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			got := rowsText(rows) + strings.Join(st.Warnings, "\n")
			if want == "" {
				want = got
				if len(rows) == 0 {
					t.Errorf("%s: no rows", q)
				}
				continue
			}
			if got != want {
				t.Fatalf("%s: workers=%d batch=%d differs from the first run:\n%s", q, cfg.workers, cfg.per, firstDiff(want, got))
			}
		}
	}
}

func TestJoins(t *testing.T) {
	in := ev("#event_simpleName", "DnsRequest", "aid", "a1", "ContextProcessId", "7", "DomainName", "evil.example") +
		ev("#event_simpleName", "ProcessRollup2", "aid", "a1", "TargetProcessId", "7", "FileName", "javaw.exe", "CommandLine", "javaw -jar x") +
		ev("#event_simpleName", "DnsRequest", "aid", "a1", "ContextProcessId", "8", "DomainName", "ok.example") +
		ev("#event_simpleName", "ProcessRollup2", "aid", "a2", "TargetProcessId", "8", "FileName", "chrome.exe", "CommandLine", "chrome") +
		ev("#event_simpleName", "NetworkConnectIP4", "aid", "a2", "ContextProcessId", "8", "RemotePort", "443")
	runCases(t, []fnCase{
		{"join inner", `#event_simpleName=DnsRequest | join({#event_simpleName=ProcessRollup2}, field=ContextProcessId, key=TargetProcessId, include=[FileName, CommandLine])`, in,
			"#event_simpleName=DnsRequest aid=a1 ContextProcessId=7 DomainName=evil.example FileName=javaw.exe CommandLine=javaw -jar x\n#event_simpleName=DnsRequest aid=a1 ContextProcessId=8 DomainName=ok.example FileName=chrome.exe CommandLine=chrome\n"},
		{"join on two keys", `#event_simpleName=DnsRequest | pid := ContextProcessId | join({#event_simpleName=ProcessRollup2 | pid := TargetProcessId}, field=[aid, pid], include=[FileName]) | select([DomainName, FileName])`, in,
			"DomainName=evil.example FileName=javaw.exe\n"},
		{"join left", `#event_simpleName=DnsRequest | join({#event_simpleName=ProcessRollup2 FileName=javaw.exe}, field=ContextProcessId, key=TargetProcessId, include=[FileName], mode=left) | select([DomainName, FileName])`, in,
			"DomainName=evil.example FileName=javaw.exe\nDomainName=ok.example\n"},
		{"selfJoinFilter", `pid := TargetProcessId | pid := ContextProcessId | selfJoinFilter(field=[aid, pid], where=[{#event_simpleName=ProcessRollup2}, {#event_simpleName=NetworkConnectIP4}]) | select([#event_simpleName, aid, pid])`, in,
			"#event_simpleName=ProcessRollup2 aid=a2 pid=8\n#event_simpleName=NetworkConnectIP4 aid=a2 pid=8\n"},
		{"selfJoinFilter prefilter", `pid := TargetProcessId | pid := ContextProcessId | selfJoinFilter(field=[aid], where=[{#event_simpleName=ProcessRollup2}, {#event_simpleName=DnsRequest}], prefilter=true) | select([#event_simpleName, pid])`, in,
			"#event_simpleName=DnsRequest pid=7\n#event_simpleName=ProcessRollup2 pid=7\n#event_simpleName=DnsRequest pid=8\n"},
		{"defineTable and match", `defineTable(query={#event_simpleName=ProcessRollup2}, name="procs", include=[aid, TargetProcessId, FileName]) | #event_simpleName=DnsRequest | match(file="procs", field=[aid, ContextProcessId], column=[aid, TargetProcessId], include=[FileName]) | select([DomainName, FileName])`, in,
			"DomainName=evil.example FileName=javaw.exe\n"},
		{"defineTable match strict=false", `defineTable(query={#event_simpleName=ProcessRollup2}, name="procs", include=[aid, TargetProcessId, FileName]) | #event_simpleName=DnsRequest | match(file="procs", field=[aid, ContextProcessId], column=[aid, TargetProcessId], strict=false) | select([DomainName, FileName])`, in,
			"DomainName=evil.example FileName=javaw.exe\nDomainName=ok.example\n"},
		{"defineTable readFile", `defineTable(query={#event_simpleName=ProcessRollup2 | groupBy(aid)}, name="hosts", include=[aid, _count]) | readFile("hosts")`, in,
			"aid=a1 _count=1\naid=a2 _count=1\n"},
		{"tables read earlier tables", `defineTable(query={#event_simpleName=ProcessRollup2}, name="p", include=[aid, FileName]) | defineTable(query={#event_simpleName=DnsRequest | match(file="p", field=aid)}, name="d", include=[DomainName, FileName]) | readFile(d)`, in,
			"DomainName=evil.example FileName=chrome.exe\nDomainName=ok.example FileName=chrome.exe\n"[:0] + "DomainName=evil.example FileName=javaw.exe\nDomainName=ok.example FileName=javaw.exe\n"},
	}, Options{})
}

// TestSpoolToDisk forces a join's buffer onto disk and checks the rows.
func TestSpoolToDisk(t *testing.T) {
	old := spoolMemory
	spoolMemory = 200
	defer func() { spoolMemory = old }()
	in := genEvents(500, 3)
	q := `selfJoinFilter(field=host, where=[{user=u1*}]) | groupBy(host, function=[count(), collect(user, limit=3)])`
	spoolMemory = 1 << 40
	want, _ := run(t, q, in, Options{}, 2)
	spoolMemory = 200
	got, _ := run(t, q, in, Options{}, 2)
	if a, b := rowsText(want), rowsText(got); a != b || a == "" {
		t.Fatalf("spooled run differs:\n%s", firstDiff(a, b))
	}
}
