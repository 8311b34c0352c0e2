package detect

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/lanner-dev/lanner/simulate"
)

// CaseFile is a tests/*.yml file.
type CaseFile struct {
	// Common fields go into every inline event of the file's cases; an
	// event's own value wins, and null there drops the field.
	Common yaml.MapSlice `yaml:"common"`
	Cases  []*Case       `yaml:"cases"`
}

// Case is one rule test: events, and the alerts every rule of the pack
// must raise on them — no more, no fewer.
type Case struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Events are Falcon-style events inline, one mapping each (values are
	// strings; numbers and booleans are taken as their text).
	Events []yaml.MapSlice `yaml:"events"`
	// File holds the events instead, in any format lanner reads; the path
	// is relative to tests/.
	File string `yaml:"file"`
	// Tuning names exclusions of the pack's tuning/ to enable for the
	// case (templates ship disabled).
	Tuning []string `yaml:"tuning"`
	// Now is the date (YYYY-MM-DD) or time (RFC 3339) the case runs at, for
	// exclusions with an expiry; default: the real time.
	Now        string        `yaml:"now"`
	Expect     []Expect      `yaml:"expect"`
	Suppressed []Suppression `yaml:"suppressed"`

	Path   string        `yaml:"-"` // tests/NAME.yml
	common yaml.MapSlice // the file's common fields
}

// Expect is an expected alert.
type Expect struct {
	Rule  string            `yaml:"rule"`
	Level string            `yaml:"level"` // the alert's level: suspicion_level, else the rule's severity
	Count int               `yaml:"count"` // default 1
	Where map[string]string `yaml:"where"` // field values the alert's event must have
}

// Suppression is an alert an exclusion is expected to suppress.
type Suppression struct {
	Rule      string `yaml:"rule"`
	Exclusion string `yaml:"exclusion"`
	Count     int    `yaml:"count"` // default 1
}

// AtomicFile is tests/atomic.yml.
type AtomicFile struct {
	Tests []*AtomicTest `yaml:"atomic_tests"`
}

// AtomicTest is an atomic test: the telemetry to simulate and what the
// pack's rules must raise on it. Expect is keyed by source name, or "all"
// for every source the source-specific lists do not override.
type AtomicTest struct {
	simulate.Scenario `yaml:",inline"`
	Expect            map[string][]Expect `yaml:"expect"`
}

// Expected returns the alerts expected from the test in a source.
func (a *AtomicTest) Expected(source string) []Expect {
	if e, ok := a.Expect[source]; ok {
		return e
	}
	return a.Expect["all"]
}

// Time is the case's Now (zero when unset).
func (c *Case) Time() (time.Time, error) {
	if c.Now == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", c.Now); err == nil {
		return t.Add(12 * time.Hour), nil
	}
	return time.Parse(time.RFC3339, c.Now)
}

// Input returns the case's events as bytes to read: inline events as NDJSON,
// else the file's content.
func (c *Case) Input(p *Pack) ([]byte, error) {
	if c.File != "" {
		return fs.ReadFile(p.fsys, path.Join(p.dir, "tests", c.File))
	}
	var b []byte
	for _, own := range c.Events {
		ev := mergeFields(c.common, own)
		b = append(b, '{')
		n := 0
		for _, it := range ev {
			if it.Value == nil {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = strconv.AppendQuote(b, fmt.Sprint(it.Key))
			b = append(b, ':')
			b = appendJSON(b, scalarText(it.Value))
		}
		b = append(b, '}', '\n')
	}
	return b, nil
}

// mergeFields puts an event's own fields after the common ones it does not
// override; a null own value removes the field.
func mergeFields(common, own yaml.MapSlice) yaml.MapSlice {
	if len(common) == 0 {
		return own
	}
	ownKeys := map[string]bool{}
	for _, it := range own {
		ownKeys[fmt.Sprint(it.Key)] = true
	}
	var out yaml.MapSlice
	for _, it := range common {
		if !ownKeys[fmt.Sprint(it.Key)] {
			out = append(out, it)
		}
	}
	return append(out, own...)
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// appendJSON quotes s as a JSON string (strconv.Quote is not JSON for
// every input: it writes \x escapes).
func appendJSON(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, r)...)
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '"')
}

func (l *loader) tests(p *Pack) {
	dir := path.Join(l.dir, "tests")
	ents, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.adder("tests")("", "missing (a pack needs test cases)")
		return
	}
	names := map[string]string{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yml") && !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		rel := "tests/" + e.Name()
		data, ok := l.read(rel)
		if !ok {
			continue
		}
		add := l.adder(rel)
		if e.Name() == "atomic.yml" || e.Name() == "atomic.yaml" {
			var af AtomicFile
			if decodeYAML(data, &af, add) {
				l.atomic(p, &af, add)
			}
			continue
		}
		var cf CaseFile
		if !decodeYAML(data, &cf, add) {
			continue
		}
		if len(cf.Cases) == 0 {
			add("cases", "missing")
		}
		for i, c := range cf.Cases {
			key := fmt.Sprintf("cases[%d]", i)
			c.Path = rel
			c.common = cf.Common
			if c.Name == "" {
				add(key+".name", "missing")
			} else if prev, ok := names[c.Name]; ok {
				add(key+".name", "%q is also a case in %s", c.Name, prev)
			} else {
				names[c.Name] = rel
			}
			switch {
			case len(c.Events) > 0 && c.File != "":
				add(key, "give events or file, not both")
			case len(c.Events) == 0 && c.File == "":
				add(key, "needs events or a file")
			case c.File != "":
				if _, err := fs.Stat(l.fsys, path.Join(dir, c.File)); err != nil {
					add(key+".file", "%q: not found under tests/", c.File)
				}
			}
			if c.Now != "" {
				if _, err := c.Time(); err != nil {
					add(key+".now", "%q is not a date like 2026-12-31 or an RFC 3339 time", c.Now)
				}
			}
			l.checkExpect(p, c.Expect, key+".expect", add)
			for j, s := range c.Suppressed {
				k := fmt.Sprintf("%s.suppressed[%d]", key, j)
				if p.Rule(s.Rule) == nil {
					add(k+".rule", "%q is not a rule of this pack", s.Rule)
				}
				if !containsFold(c.Tuning, s.Exclusion) {
					add(k+".exclusion", "%q is not in the case's tuning list", s.Exclusion)
				}
				if s.Count < 0 {
					add(k+".count", "negative")
				}
			}
			for j, t := range c.Tuning {
				if p.Exclusion(t) == nil {
					add(fmt.Sprintf("%s.tuning[%d]", key, j), "%q is not an exclusion of the pack's tuning/", t)
				}
			}
			p.Cases = append(p.Cases, c)
		}
	}
	sort.SliceStable(p.Cases, func(i, j int) bool { return p.Cases[i].Path < p.Cases[j].Path })
}

func (l *loader) atomic(p *Pack, af *AtomicFile, add func(key, format string, args ...any)) {
	seen := map[int]bool{}
	for i, a := range af.Tests {
		key := fmt.Sprintf("atomic_tests[%d]", i)
		for _, e := range a.Validate() {
			add(key+"."+e[:strings.IndexByte(e, ':')], "%s", strings.TrimSpace(e[strings.IndexByte(e, ':')+1:]))
		}
		if seen[a.Test] {
			add(key+".test", "test %d appears twice", a.Test)
		}
		seen[a.Test] = true
		if len(a.Expect) == 0 {
			add(key+".expect", "missing (use all: [] when no rule should fire)")
		}
		for src, list := range a.Expect {
			if src != "all" && !simulate.IsSource(src) {
				add(key+".expect."+src, "not a source (sources: all, %s)", strings.Join(simulate.Sources, ", "))
			}
			l.checkExpect(p, list, key+".expect."+src, add)
		}
		p.Atomic = append(p.Atomic, a)
	}
	sort.SliceStable(p.Atomic, func(i, j int) bool { return p.Atomic[i].Test < p.Atomic[j].Test })
}

func (l *loader) checkExpect(p *Pack, list []Expect, key string, add func(key, format string, args ...any)) {
	for j, e := range list {
		k := fmt.Sprintf("%s[%d]", key, j)
		if p.Rule(e.Rule) == nil {
			add(k+".rule", "%q is not a rule of this pack", e.Rule)
		}
		if e.Level != "" && SeverityRank(e.Level) == 0 {
			add(k+".level", "%q is not one of %s", e.Level, strings.Join(severities, ", "))
		}
		if e.Count < 0 {
			add(k+".count", "negative")
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
