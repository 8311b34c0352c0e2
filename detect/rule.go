// Package detect loads rule packs, runs rules and turns matches into alerts.
package detect

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/rules"
)

// Rule is one detection: metadata from rule.yml and the query.
type Rule struct {
	ID             string   `yaml:"id"`
	Title          string   `yaml:"title"`
	Description    string   `yaml:"description"`
	Attack         Attack   `yaml:"attack"`
	Severity       string   `yaml:"severity"`
	Confidence     string   `yaml:"confidence"`
	DataSources    []string `yaml:"data_sources"`
	RequiredEvents []string `yaml:"required_events"`
	FalsePositives []string `yaml:"false_positives"`
	References     []string `yaml:"references"`

	Query  string `yaml:"-"` // query.cql, verbatim
	Source string `yaml:"-"` // where the rule came from (builtin:ID or a path)
}

// Attack is the ATT&CK mapping.
type Attack struct {
	Tactic       string `yaml:"tactic"`
	Technique    string `yaml:"technique"`
	Subtechnique string `yaml:"subtechnique"`
	Reference    string `yaml:"reference"`
}

var severities = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}

// LoadPack reads one pack folder (rule.yml + query.cql) from fsys.
func LoadPack(fsys fs.FS, dir, source string) (*Rule, error) {
	meta, err := fs.ReadFile(fsys, path.Join(dir, "rule.yml"))
	if err != nil {
		return nil, err
	}
	r := &Rule{Source: source}
	if err := yaml.UnmarshalWithOptions(meta, r, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s/rule.yml: %s", source, yaml.FormatError(err, false, true))
	}
	q, err := fs.ReadFile(fsys, path.Join(dir, "query.cql"))
	if err != nil {
		return nil, err
	}
	r.Query = string(q)
	if r.ID == "" {
		return nil, fmt.Errorf("%s/rule.yml: id: missing", source)
	}
	if r.Title == "" {
		return nil, fmt.Errorf("%s/rule.yml: title: missing", source)
	}
	if !severities[strings.ToLower(r.Severity)] {
		return nil, fmt.Errorf("%s/rule.yml: severity: %q is not one of informational, low, medium, high, critical", source, r.Severity)
	}
	if _, err := cql.Parse(r.Query); err != nil {
		if e, ok := err.(*cql.Error); ok {
			return nil, fmt.Errorf("%s/query.cql:%s", source, e.Caret(r.Query))
		}
		return nil, fmt.Errorf("%s/query.cql: %v", source, err)
	}
	return r, nil
}

// Builtin returns the embedded rules, sorted by id.
func Builtin() ([]*Rule, error) {
	entries, err := fs.ReadDir(rules.FS, ".")
	if err != nil {
		return nil, err
	}
	var out []*Rule
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		r, err := LoadPack(rules.FS, e.Name(), "builtin:"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// LoadDir loads every pack under dir (a folder holding rule.yml is a pack).
// Packs that do not load are returned as errors, the others as rules.
func LoadDir(dir string) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	fsys := os.DirFS(dir)
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || d.Name() != "rule.yml" {
			return nil
		}
		packDir := path.Dir(p)
		r, err := LoadPack(fsys, packDir, path.Join(dir, packDir))
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rules = append(rules, r)
		return nil
	})
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, errs
}

// Compile compiles the rule's query.
func (r *Rule) Compile(opts engine.Options) (*engine.Program, error) {
	return engine.CompileString(r.Query, cql.Options{}, opts)
}
