// Package detect loads detection packs, runs their rules and turns matches
// into alerts: severity, ATT&CK, tuning (named exclusions) and the source
// event each alert keeps. It also runs a pack's tests: inline test cases
// and the atomic simulations of the simulate package.
//
// A pack is a folder (docs/rules.md has the full format):
//
//	rule.yml              the main rule's metadata
//	query.cql             its query, verbatim
//	companions/NAME/      further rules of the pack: rule.yml + query.cql each
//	tests/*.yml           test cases: events inline or in files, expected alerts
//	tests/atomic.yml      atomic tests: the telemetry to simulate, expected alerts per source
//	tuning/*.yml          named exclusions (templates ship disabled)
//	playbook.md           response playbook, investigation guide, hunting, tuning
package detect

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
)

// Rule is one detection: metadata from rule.yml and the query.
type Rule struct {
	ID             string   `yaml:"id"`
	Title          string   `yaml:"title"`
	Status         string   `yaml:"status"`      // stable (default), test, experimental, deprecated
	Description    string   `yaml:"description"` // what the technique is, in the pack's words
	Summary        string   `yaml:"summary"`     // what the query does
	Attack         Attack   `yaml:"attack"`
	Severity       string   `yaml:"severity"`
	Confidence     string   `yaml:"confidence"`
	DataSources    []string `yaml:"data_sources"`
	RequiredEvents []string `yaml:"required_events"`
	FalsePositives []string `yaml:"false_positives"`
	References     []string `yaml:"references"`
	Actors         []string `yaml:"actors"` // threat actors known to use the technique

	Query  string `yaml:"-"` // query.cql, verbatim
	Source string `yaml:"-"` // where the rule came from: builtin:T1204.001 or a folder path
	Pack   *Pack  `yaml:"-"` // the pack holding the rule
}

// Attack is the ATT&CK mapping.
type Attack struct {
	Tactic       Ref    `yaml:"tactic"`
	Technique    Ref    `yaml:"technique"`
	Subtechnique Ref    `yaml:"subtechnique"`
	Reference    string `yaml:"reference"`
}

// Ref is an ATT&CK object: its id and name. In YAML it is either a mapping
// {id: T1204, name: User Execution} or one string "T1204 User Execution"
// (for a tactic, the name alone also works: "Execution").
type Ref struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// UnmarshalYAML accepts the string and the mapping forms.
func (r *Ref) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		s = strings.TrimSpace(s)
		if i := strings.IndexByte(s, ' '); i > 0 && idPattern.MatchString(s[:i]) {
			r.ID, r.Name = s[:i], strings.TrimSpace(s[i+1:])
		} else if idPattern.MatchString(s) {
			r.ID = s
		} else {
			r.Name = s
		}
		return nil
	}
	type plain Ref
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*r = Ref(p)
	return nil
}

// String is "ID Name".
func (r Ref) String() string { return strings.TrimSpace(r.ID + " " + r.Name) }

var idPattern = regexp.MustCompile(`^(TA\d{4}|T\d{4}(\.\d{3})?)$`)

// Tactics are the ATT&CK Enterprise tactics, by id.
var Tactics = map[string]string{
	"TA0043": "Reconnaissance", "TA0042": "Resource Development", "TA0001": "Initial Access",
	"TA0002": "Execution", "TA0003": "Persistence", "TA0004": "Privilege Escalation",
	"TA0005": "Defense Evasion", "TA0006": "Credential Access", "TA0007": "Discovery",
	"TA0008": "Lateral Movement", "TA0009": "Collection", "TA0011": "Command and Control",
	"TA0010": "Exfiltration", "TA0040": "Impact",
}

// TacticSlug is the tactic's short name as ATT&CK Navigator writes it
// ("execution", "initial-access").
func TacticSlug(name string) string { return strings.ReplaceAll(strings.ToLower(name), " ", "-") }

var (
	severities  = []string{"informational", "low", "medium", "high", "critical"}
	confidences = []string{"low", "medium", "high"}
	statuses    = []string{"stable", "test", "experimental", "deprecated"}
	ruleIDRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}

// SeverityRank orders levels: critical 5 … informational 1, unknown 0.
func SeverityRank(level string) int {
	for i, s := range severities {
		if strings.EqualFold(level, s) {
			return i + 1
		}
	}
	return 0
}

// validate checks the metadata; problems name the key.
func (r *Rule) validate(add func(key, format string, args ...any)) {
	if r.ID == "" {
		add("id", "missing")
	} else if !ruleIDRe.MatchString(r.ID) {
		add("id", "%q: use letters, digits, '.', '_' and '-'", r.ID)
	}
	if strings.TrimSpace(r.Title) == "" {
		add("title", "missing")
	}
	if strings.TrimSpace(r.Description) == "" {
		add("description", "missing")
	}
	if r.Status != "" && !oneOf(r.Status, statuses) {
		add("status", "%q is not one of %s", r.Status, strings.Join(statuses, ", "))
	}
	if r.Severity == "" {
		add("severity", "missing")
	} else if !oneOf(r.Severity, severities) {
		add("severity", "%q is not one of %s", r.Severity, strings.Join(severities, ", "))
	}
	if r.Confidence == "" {
		add("confidence", "missing")
	} else if !oneOf(r.Confidence, confidences) {
		add("confidence", "%q is not one of %s", r.Confidence, strings.Join(confidences, ", "))
	}
	a := r.Attack
	switch {
	case a.Tactic.ID == "" && a.Tactic.Name == "":
		add("attack.tactic", "missing")
	case a.Tactic.ID != "" && Tactics[a.Tactic.ID] == "":
		add("attack.tactic", "%q is not an ATT&CK Enterprise tactic id", a.Tactic.ID)
	case a.Tactic.ID != "" && a.Tactic.Name != "" && !strings.EqualFold(Tactics[a.Tactic.ID], a.Tactic.Name):
		add("attack.tactic", "%s is %q, not %q", a.Tactic.ID, Tactics[a.Tactic.ID], a.Tactic.Name)
	case a.Tactic.ID == "":
		found := false
		for _, n := range Tactics {
			found = found || strings.EqualFold(n, a.Tactic.Name)
		}
		if !found {
			add("attack.tactic", "%q is not an ATT&CK Enterprise tactic", a.Tactic.Name)
		}
	}
	if !regexp.MustCompile(`^T\d{4}$`).MatchString(a.Technique.ID) {
		add("attack.technique", "id %q is not a technique id like T1204", a.Technique.ID)
	}
	if a.Subtechnique.ID != "" || a.Subtechnique.Name != "" {
		if !regexp.MustCompile(`^T\d{4}\.\d{3}$`).MatchString(a.Subtechnique.ID) {
			add("attack.subtechnique", "id %q is not a sub-technique id like T1204.001", a.Subtechnique.ID)
		} else if !strings.HasPrefix(a.Subtechnique.ID, a.Technique.ID+".") {
			add("attack.subtechnique", "%s is not a sub-technique of %s", a.Subtechnique.ID, a.Technique.ID)
		}
	}
	if a.Reference == "" {
		add("attack.reference", "missing")
	} else if want := attackURL(a); want != "" && strings.TrimRight(a.Reference, "/") != strings.TrimRight(want, "/") {
		add("attack.reference", "%q does not point at %s (%s)", a.Reference, a.Most(), want)
	}
	if len(r.DataSources) == 0 {
		add("data_sources", "missing")
	}
	if len(r.RequiredEvents) == 0 {
		add("required_events", "missing")
	}
	for i, u := range r.References {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			add(fmt.Sprintf("references[%d]", i), "%q is not a URL", u)
		}
	}
}

// Most is the most specific ATT&CK id: the sub-technique, else the technique.
func (a Attack) Most() string {
	if a.Subtechnique.ID != "" {
		return a.Subtechnique.ID
	}
	return a.Technique.ID
}

// TacticName is the tactic's name, looked up from its id when only that is given.
func (a Attack) TacticName() string {
	if a.Tactic.Name != "" {
		return a.Tactic.Name
	}
	return Tactics[a.Tactic.ID]
}

// TacticID is the tactic's id, looked up from its name when only that is given.
func (a Attack) TacticID() string {
	if a.Tactic.ID != "" {
		return a.Tactic.ID
	}
	for id, n := range Tactics {
		if strings.EqualFold(n, a.Tactic.Name) {
			return id
		}
	}
	return ""
}

func attackURL(a Attack) string {
	id := a.Most()
	if !regexp.MustCompile(`^T\d{4}(\.\d{3})?$`).MatchString(id) {
		return ""
	}
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}

// Compile compiles the rule's whole query (the pack's runner splits it; see
// Prepare).
func (r *Rule) Compile(opts engine.Options) (*engine.Program, error) {
	return engine.CompileString(r.Query, cql.Options{}, opts)
}

// IsMain reports whether the rule is its pack's main rule.
func (r *Rule) IsMain() bool { return r.Pack == nil || r.Pack.Main() == r }
