package sigma

import (
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
)

// ev builds a Sysmon-shaped process start with extra fields.
func ev(kv ...string) *event.Event {
	e := sysmonProcessEvent(`C:\Windows\System32\cmd.exe`, `cmd.exe /c whoami`, `C:\Windows\explorer.exe`, `C:\Windows\explorer.exe`, `CORP\alice`, "Cmd.Exe")
	for i := 0; i+1 < len(kv); i += 2 {
		e.Set(kv[i], kv[i+1])
	}
	return e
}

const head = "title: t\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: windows, category: process_creation}\ndetection:\n"

// check compiles a detection, runs it on the event with the engine and the
// Ruleset, and compares with want.
func check(t *testing.T, det string, e *event.Event, want bool) {
	t.Helper()
	set := LoadBytes([]byte(head+det), "t.yml", Options{})
	if len(set.Rules) != 1 {
		t.Fatalf("%s: not loaded: %v", det, set.Skipped)
	}
	c := set.Rules[0]
	// round trip through the printer
	q, err := cql.Parse(c.Query.String())
	if err != nil {
		t.Fatalf("%s: printed query does not parse: %v\n%s", det, err, c.Query.String())
	}
	p, err := engine.Compile(q, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := engineMatches(t, []*engine.Program{p}, []*event.Event{e})[0][0]
	rs, err := NewRuleset(set.Rules)
	if err != nil {
		t.Fatal(err)
	}
	rsGot := len(rs.NewMatcher().Match(e)) > 0
	if got != want || rsGot != want {
		t.Errorf("%s\nengine %v, ruleset %v, want %v\nquery: %s", det, got, rsGot, want, c.Query.String())
	}
}

func TestModifiers(t *testing.T) {
	e := ev("Extra", "Value", "Num", "42", "Ip", "10.1.2.3", "Copy", `cmd.exe /c whoami`, "Enc", "U2V0LU1wUHJlZmVyZW5jZSAtRGlzYWJsZQ==", "Wide", "UwBlAHQALQBNAHAA")
	cases := []struct {
		det  string
		want bool
	}{
		{"  s: {Image|endswith: '\\CMD.EXE'}\n  condition: s", true},
		{"  s: {Image|endswith|cased: '\\CMD.EXE'}\n  condition: s", false},
		{"  s: {Image|startswith: 'c:\\windows\\'}\n  condition: s", true},
		{"  s: {CommandLine|contains: 'WHOAMI'}\n  condition: s", true},
		{"  s: {CommandLine: 'cmd.exe /c whoami'}\n  condition: s", true},
		{"  s: {CommandLine: 'cmd.exe'}\n  condition: s", false},
		{"  s: {CommandLine: 'cmd.exe*'}\n  condition: s", true},
		{"  s: {CommandLine: 'cmd.ex? /c*'}\n  condition: s", true},
		{"  s: {CommandLine|contains|all: ['cmd', 'whoami']}\n  condition: s", true},
		{"  s: {CommandLine|contains|all: ['cmd', 'net']}\n  condition: s", false},
		{"  s: {CommandLine|contains|windash: ' -c '}\n  condition: s", true},
		{"  s: {CommandLine|re: 'who[a-z]+$'}\n  condition: s", true},
		{"  s: {CommandLine|re: 'WHOAMI'}\n  condition: s", false},
		{"  s: {CommandLine|re|i: 'WHOAMI'}\n  condition: s", true},
		{"  s: {Ip|cidr: '10.0.0.0/8'}\n  condition: s", true},
		{"  s: {Ip|cidr: ['192.168.0.0/16', 'fd00::/8']}\n  condition: s", false},
		{"  s: {Num|gt: 41}\n  condition: s", true},
		{"  s: {Num|lte: 41}\n  condition: s", false},
		{"  s: {Extra|exists: true}\n  condition: s", true},
		{"  s: {Missing|exists: true}\n  condition: s", false},
		{"  s: {Missing: null}\n  condition: s", true},
		{"  s: {Extra: null}\n  condition: s", false},
		{"  s: {CommandLine|fieldref: Copy}\n  condition: s", true},
		{"  s: {Image|fieldref: Copy}\n  condition: s", false},
		{"  s: {Enc|base64offset|contains: 'Set-MpPreference'}\n  condition: s", true},
		{"  s: {Wide|wide|base64offset|contains: 'Set-Mp'}\n  condition: s", true},
		{"  s: {Extra|neq: 'other'}\n  condition: s", true},
		{"  s: {Extra: ''}\n  condition: s", false},
		{"  s:\n    - 'WHOAMI'\n  condition: s", true},
		{"  s:\n    - 'nothere'\n  condition: s", false},
		{"  s:\n    '|all': ['whoami', 'cmd']\n  condition: s", true},
		{"  s: {Extra: ['a', 'value']}\n  condition: s", true},
	}
	for _, c := range cases {
		check(t, c.det, e, c.want)
	}
}

func TestUnicodeFolding(t *testing.T) {
	// Go's (?i): the long s folds to s, the Kelvin sign to k
	e := ev("Name", "ſvchost", "K", "\u212Aernel")
	check(t, "  s: {Name: 'SVCHOST'}\n  condition: s", e, true)
	check(t, "  s: {K|startswith: 'kern'}\n  condition: s", e, true)
	check(t, "  s: {Name|cased: 'svchost'}\n  condition: s", e, false)
}

func TestConditions(t *testing.T) {
	e := ev()
	sel := "  sel_a: {Image|endswith: '\\cmd.exe'}\n  sel_b: {CommandLine|contains: 'whoami'}\n  filter_x: {ParentImage|endswith: '\\services.exe'}\n  _hidden: {CommandLine|contains: 'nope'}\n"
	cases := []struct {
		cond string
		want bool
	}{
		{"all of sel_*", true},
		{"1 of sel_* and not filter_x", true},
		{"all of them", false}, // filter_x does not match; _hidden is not part of them
		{"1 of them", true},
		{"sel_a and (filter_x or sel_b)", true},
		{"not sel_a or filter_x", false},
		{"sel_a and not 1 of filter_*", true},
		{"2 of sel_*", true},
		{"all of filter_*", false},
		{"_hidden or filter_x", false},
	}
	for _, c := range cases {
		check(t, sel+"  condition: "+c.cond, e, c.want)
	}
	check(t, sel+"  condition:\n    - filter_x\n    - sel_b", e, true)
}

func TestBaseNameRewrite(t *testing.T) {
	// a Falcon event: no Image, only ImageFileName / FileName and
	// ParentBaseFileName
	e := &event.Event{}
	for _, kv := range [][2]string{{"#event_simpleName", "ProcessRollup2"}, {"ImageFileName", `\Device\HarddiskVolume3\Windows\System32\cmd.exe`},
		{"FileName", "cmd.exe"}, {"ParentBaseFileName", "chrome.exe"}, {"CommandLine", "cmd /c x"}, {"event_platform", "Win"}} {
		e.Keys = append(e.Keys, kv[0])
		e.Vals = append(e.Vals, kv[1])
	}
	e.NOrig = len(e.Keys)
	check(t, "  s: {ParentImage|endswith: '\\Chrome.exe', Image|endswith: '\\cmd.exe'}\n  condition: s", e, true)
	check(t, "  s: {Image|contains: '\\System32\\'}\n  condition: s", e, true)
	check(t, "  s: {ParentImage|contains: '\\Google\\'}\n  condition: s", e, false)
	e.Set("event_platform", "Mac")
	check(t, "  s: {Image|endswith: '\\cmd.exe'}\n  condition: s", e, false)
}

func TestRejected(t *testing.T) {
	cases := map[string]string{
		"correlation":  "title: c\nname: c\ncorrelation: {type: event_count, rules: [x], group-by: [User], timespan: 5m, condition: {gte: 10}}\n",
		"placeholder":  head + "  s: {User|expand: '%Admins%'}\n  condition: s\n",
		"time":         head + "  s: {UtcTime|hour: 3}\n  condition: s\n",
		"modifier":     head + "  s: {Image|sounds_like: 'x'}\n  condition: s\n",
		"logsource":    "title: t\nlogsource: {product: zos, service: racf}\ndetection: {s: {a: b}, condition: s}\n",
		"aggregation":  head + "  s: {a: b}\n  condition: s | count() by User > 5\n",
		"undefined":    head + "  s: {a: b}\n  condition: s and t\n",
		"null in list": head + "  s: {a: [b, null]}\n  condition: s\n",
	}
	for name, doc := range cases {
		set := LoadBytes([]byte(doc), name+".yml", Options{})
		if len(set.Rules) != 0 || len(set.Skipped) != 1 {
			t.Errorf("%s: loaded %d, skipped %v", name, len(set.Rules), set.Skipped)
			continue
		}
		t.Logf("%s: %v", name, set.Skipped[0])
	}
	// with a value, the placeholder expands
	set := LoadBytes([]byte(head+"  s: {User|expand: '%Admins%'}\n  condition: s\n"), "p.yml", Options{Placeholders: map[string][]string{"Admins": {`CORP\alice`, `CORP\root`}}})
	if len(set.Rules) != 1 || !strings.Contains(set.Rules[0].Query.String(), `alice`) {
		t.Errorf("placeholder with values: %v %v", set.Rules, set.Skipped)
	}
}

func TestFilterRule(t *testing.T) {
	doc := head + "  s: {Image|endswith: '\\cmd.exe'}\n  condition: s\n---\ntitle: f\nlogsource: {product: windows, category: process_creation}\nfilter:\n  rules: [11111111-1111-4111-8111-111111111111]\n  sel: {ParentImage|endswith: '\\explorer.exe'}\n  condition: sel\n"
	set := LoadBytes([]byte(doc), "f.yml", Options{})
	if len(set.Rules) != 1 || len(set.Filters) != 1 {
		t.Fatalf("%v %v", set.Rules, set.Skipped)
	}
	rs, _ := NewRuleset(set.Rules)
	if hits := rs.NewMatcher().Match(ev()); len(hits) != 0 {
		t.Errorf("the filter did not apply: %s", set.Rules[0].Query)
	}
	if hits := rs.NewMatcher().Match(ev("ParentImage", `C:\x\services.exe`, "ParentBaseFileName", "services.exe")); len(hits) != 1 {
		t.Errorf("the filtered rule no longer fires: %s", set.Rules[0].Query)
	}
}
