package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
)

// TuningFile is a tuning/*.yml file of a pack, or a file given to
// `lanner detect --tuning`.
type TuningFile struct {
	Exclusions []*Exclusion `yaml:"exclusions"`
}

// Exclusion is a named CQL filter: an alert whose event it matches is
// suppressed (counted and, with --show-suppressed, listed) instead of
// reported.
type Exclusion struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Rules       []string `yaml:"rules"`   // rule ids it applies to; "*" for every rule
	Enabled     *bool    `yaml:"enabled"` // default true; the pack's templates say false
	Reason      string   `yaml:"reason"`
	Owner       string   `yaml:"owner"`
	Expires     string   `yaml:"expires"` // YYYY-MM-DD (UTC); from the next day on it no longer applies
	Filter      string   `yaml:"filter"`  // CQL: filters and assignments, no aggregation

	Source  string    `yaml:"-"` // the file it came from
	expires time.Time // start of the first day it no longer applies
}

// IsEnabled reports whether the exclusion is switched on.
func (x *Exclusion) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

// ExpiredAt reports whether the exclusion has expired at now.
func (x *Exclusion) ExpiredAt(now time.Time) bool {
	return !x.expires.IsZero() && !now.Before(x.expires)
}

// AppliesTo reports whether the exclusion covers the rule.
func (x *Exclusion) AppliesTo(ruleID string) bool {
	for _, r := range x.Rules {
		if r == "*" || strings.EqualFold(r, ruleID) {
			return true
		}
	}
	return false
}

// Compile compiles the filter.
func (x *Exclusion) Compile() (*engine.Program, error) {
	return engine.CompileString(x.Filter, cql.Options{}, engine.Options{})
}

var exclusionName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// validate checks one exclusion; knownRule says whether a rule id exists
// (nil: do not check).
func (x *Exclusion) validate(key string, add func(key, format string, args ...any), knownRule func(string) bool) {
	if x.Name == "" {
		add(key+".name", "missing")
	} else if !exclusionName.MatchString(x.Name) {
		add(key+".name", "%q: use lower-case letters, digits, '.', '_' and '-'", x.Name)
	}
	if strings.TrimSpace(x.Reason) == "" {
		add(key+".reason", "missing: say why these alerts are expected")
	}
	if strings.TrimSpace(x.Owner) == "" {
		add(key+".owner", "missing: say who answers for the exclusion")
	}
	if len(x.Rules) == 0 {
		add(key+".rules", "missing: name the rule ids it applies to (\"*\" for all)")
	}
	for i, r := range x.Rules {
		if r != "*" && knownRule != nil && !knownRule(r) {
			add(fmt.Sprintf("%s.rules[%d]", key, i), "%q is not a rule of this pack", r)
		}
	}
	if x.Expires != "" {
		t, err := time.Parse("2006-01-02", x.Expires)
		if err != nil {
			add(key+".expires", "%q is not a date like 2026-12-31", x.Expires)
		} else {
			x.expires = t.AddDate(0, 0, 1)
		}
	}
	if strings.TrimSpace(x.Filter) == "" {
		add(key+".filter", "missing")
		return
	}
	prog, err := x.Compile()
	if err != nil {
		var ce *cql.Error
		if errors.As(err, &ce) {
			add(key+".filter", "%s", strings.TrimSpace(ce.Caret(x.Filter)))
		} else {
			add(key+".filter", "%v", err)
		}
		return
	}
	if prog.Aggregates {
		add(key+".filter", "an exclusion is a per-event filter: no sort, head, groupBy or other aggregation")
	}
}

func (l *loader) tuning(p *Pack) {
	dir := path.Join(l.dir, "tuning")
	ents, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		return // tuning/ is optional
	}
	seen := map[string]string{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yml") && !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		rel := "tuning/" + e.Name()
		data, ok := l.read(rel)
		if !ok {
			continue
		}
		add := l.adder(rel)
		var tf TuningFile
		if !decodeYAML(data, &tf, add) {
			continue
		}
		for i, x := range tf.Exclusions {
			key := fmt.Sprintf("exclusions[%d]", i)
			x.Source = l.source + "/" + rel
			x.validate(key, add, func(id string) bool { return p.Rule(id) != nil })
			if prev, ok := seen[x.Name]; ok && x.Name != "" {
				add(key+".name", "%q is also an exclusion in %s", x.Name, prev)
			}
			seen[x.Name] = rel
			p.Tuning = append(p.Tuning, x)
		}
	}
	sort.SliceStable(p.Tuning, func(i, j int) bool { return p.Tuning[i].Name < p.Tuning[j].Name })
}

// Exclusion returns the pack's exclusion with the name, or nil.
func (p *Pack) Exclusion(name string) *Exclusion {
	for _, x := range p.Tuning {
		if strings.EqualFold(x.Name, name) {
			return x
		}
	}
	return nil
}

// LoadTuning reads a tuning file given on the command line. Every problem
// is reported at once (a *PackError).
func LoadTuning(file string) ([]*Exclusion, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var problems []*Problem
	add := func(key, format string, args ...any) {
		problems = append(problems, &Problem{File: file, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	var tf TuningFile
	if decodeYAML(data, &tf, add) {
		if len(tf.Exclusions) == 0 {
			add("exclusions", "missing")
		}
		seen := map[string]bool{}
		for i, x := range tf.Exclusions {
			key := fmt.Sprintf("exclusions[%d]", i)
			x.Source = file
			x.validate(key, add, nil)
			if seen[x.Name] && x.Name != "" {
				add(key+".name", "%q appears twice", x.Name)
			}
			seen[x.Name] = true
		}
	}
	if len(problems) > 0 {
		return nil, &PackError{Source: file, Problems: problems}
	}
	return tf.Exclusions, nil
}

// Enabled returns a copy of the exclusion switched on (for tests of a
// template).
func (x *Exclusion) enabledCopy() *Exclusion {
	c := *x
	t := true
	c.Enabled = &t
	return &c
}
