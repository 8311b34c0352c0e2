package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/rules"
)

// Pack is a detection pack: a main rule, its companions, their tests,
// tuning templates and playbook.
type Pack struct {
	ID       string  // the main rule's id
	Source   string  // builtin:ID or the folder path
	Rules    []*Rule // the main rule first, then the companions by id
	Cases    []*Case
	Atomic   []*AtomicTest
	Tuning   []*Exclusion // from tuning/*.yml
	Playbook string       // playbook.md

	fsys fs.FS
	dir  string
}

// Main is the pack's main rule.
func (p *Pack) Main() *Rule { return p.Rules[0] }

// Rule returns the pack's rule with the id (case-insensitive), or nil.
func (p *Pack) Rule(id string) *Rule {
	for _, r := range p.Rules {
		if strings.EqualFold(r.ID, id) {
			return r
		}
	}
	return nil
}

// ReadFile reads a file of the pack (path relative to the pack folder).
func (p *Pack) ReadFile(name string) ([]byte, error) {
	return fs.ReadFile(p.fsys, path.Join(p.dir, name))
}

// Problem is one thing wrong with a pack: the file, the key in it (if
// any) and what is wrong.
type Problem struct {
	File string // shown as given: builtin:T1204.001/rule.yml or a path
	Key  string
	Msg  string
}

func (p *Problem) Error() string {
	if p.Key == "" {
		return p.File + ": " + p.Msg
	}
	return p.File + ": " + p.Key + ": " + p.Msg
}

// PackError lists every problem of a pack that did not load.
type PackError struct {
	Source   string
	Problems []*Problem
}

func (e *PackError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

type loader struct {
	fsys     fs.FS
	dir      string
	source   string
	problems []*Problem
}

func (l *loader) adder(file string) func(key, format string, args ...any) {
	return func(key, format string, args ...any) {
		l.problems = append(l.problems, &Problem{File: l.source + "/" + file, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
}

func (l *loader) read(name string) ([]byte, bool) {
	b, err := fs.ReadFile(l.fsys, path.Join(l.dir, name))
	if err != nil {
		msg := err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			msg = "missing"
		}
		l.problems = append(l.problems, &Problem{File: l.source + "/" + name, Msg: msg})
		return nil, false
	}
	return b, true
}

// LoadPack reads the pack in folder dir of fsys; source names it in
// messages. A pack with any problem does not load: the error is a
// *PackError listing them all.
func LoadPack(fsys fs.FS, dir, source string) (*Pack, error) {
	l := &loader{fsys: fsys, dir: dir, source: source}
	p := &Pack{Source: source, fsys: fsys, dir: dir}
	main := l.rule("")
	if main == nil {
		return nil, &PackError{Source: source, Problems: l.problems}
	}
	main.Pack = p
	p.ID = main.ID
	p.Rules = append(p.Rules, main)
	if ents, err := fs.ReadDir(fsys, path.Join(dir, "companions")); err == nil {
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			if r := l.rule("companions/" + e.Name()); r != nil {
				r.Pack = p
				if !strings.HasPrefix(r.ID, main.ID+"-") {
					l.adder("companions/"+e.Name()+"/rule.yml")("id", "%q: a companion's id starts with the pack's id and a dash (%s-…)", r.ID, main.ID)
				}
				p.Rules = append(p.Rules, r)
			}
		}
	}
	seen := map[string]string{}
	for _, r := range p.Rules {
		k := strings.ToLower(r.ID)
		if prev, ok := seen[k]; ok {
			l.adder(strings.TrimPrefix(r.Source, source+"/")+"/rule.yml")("id", "%q is also the id of %s", r.ID, prev)
		}
		seen[k] = r.Source
	}
	sort.SliceStable(p.Rules[1:], func(i, j int) bool { return p.Rules[1+i].ID < p.Rules[1+j].ID })

	l.tuning(p)
	l.tests(p)
	if b, err := fs.ReadFile(fsys, path.Join(dir, "playbook.md")); err == nil {
		p.Playbook = string(b)
		for _, r := range p.Rules {
			if PlaybookSection(p.Playbook, r.ID) == "" {
				l.adder("playbook.md")("", "no section (a heading naming %s) for rule %s", r.ID, r.ID)
			}
		}
	} else {
		l.adder("playbook.md")("", "missing")
	}
	// every rule needs a test that expects it to fire
	for _, r := range p.Rules {
		if !p.tested(r.ID) {
			file := "rule.yml"
			if r != main {
				file = strings.TrimPrefix(r.Source, source+"/") + "/rule.yml"
			}
			l.adder(file)("", "no test case or atomic test expects an alert from %s", r.ID)
		}
	}
	if len(l.problems) > 0 {
		return nil, &PackError{Source: source, Problems: l.problems}
	}
	return p, nil
}

// rule loads rule.yml and query.cql from a folder of the pack ("" for the
// pack's own folder).
func (l *loader) rule(sub string) *Rule {
	rel := func(name string) string {
		if sub == "" {
			return name
		}
		return sub + "/" + name
	}
	meta, ok1 := l.read(rel("rule.yml"))
	q, ok2 := l.read(rel("query.cql"))
	if !ok1 || !ok2 {
		return nil
	}
	src := l.source
	if sub != "" {
		src += "/" + sub
	}
	r := &Rule{Source: src, Query: string(q)}
	add := l.adder(rel("rule.yml"))
	if !decodeYAML(meta, r, add) {
		return nil
	}
	r.validate(add)
	if strings.TrimSpace(r.Query) == "" {
		l.adder(rel("query.cql"))("", "empty query")
		return r
	}
	if _, err := engine.CompileString(r.Query, cql.Options{}, engine.Options{}); err != nil {
		var ce *cql.Error
		if errors.As(err, &ce) {
			l.adder(rel("query.cql"))("", "%s", strings.TrimSpace(ce.Caret(r.Query)))
		} else {
			l.adder(rel("query.cql"))("", "%v", err)
		}
	}
	return r
}

func (p *Pack) tested(id string) bool {
	for _, c := range p.Cases {
		for _, e := range c.Expect {
			if strings.EqualFold(e.Rule, id) {
				return true
			}
		}
	}
	for _, a := range p.Atomic {
		for _, list := range a.Expect {
			for _, e := range list {
				if strings.EqualFold(e.Rule, id) {
					return true
				}
			}
		}
	}
	return false
}

// PlaybookSection returns the playbook section (from its heading to the
// next heading of the same or a higher level) whose heading names the rule
// id as a whole word, or "".
func PlaybookSection(md, id string) string {
	lines := strings.SplitAfter(md, "\n")
	start, level := -1, 0
	for i, ln := range lines {
		h := headingLevel(ln)
		if h == 0 {
			continue
		}
		if start >= 0 && h <= level {
			return strings.Join(lines[start:i], "")
		}
		if start < 0 && h >= 2 && namesID(ln, id) {
			start, level = i, h
		}
	}
	if start >= 0 {
		return strings.Join(lines[start:], "")
	}
	return ""
}

func headingLevel(ln string) int {
	n := 0
	for n < len(ln) && ln[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(ln) || ln[n] != ' ' {
		return 0
	}
	return n
}

// namesID reports whether the heading holds id as a whole token (so
// "T1204.001" does not match the heading of "T1204.001-download-exe").
func namesID(ln, id string) bool {
	for i := 0; ; {
		j := strings.Index(ln[i:], id)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(id)
		before := j == 0 || !tokenChar(ln[j-1])
		after := end >= len(ln) || !tokenChar(ln[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func tokenChar(c byte) bool {
	return c == '-' || c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// BuiltinPacks returns the embedded packs, sorted by id.
func BuiltinPacks() ([]*Pack, error) {
	entries, err := fs.ReadDir(rules.FS, ".")
	if err != nil {
		return nil, err
	}
	var out []*Pack
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := LoadPack(rules.FS, e.Name(), "builtin:"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Builtin returns the rules of the embedded packs: each pack's main rule,
// then its companions.
func Builtin() ([]*Rule, error) {
	packs, err := BuiltinPacks()
	if err != nil {
		return nil, err
	}
	return RulesOf(packs), nil
}

// RulesOf lists the packs' rules in order.
func RulesOf(packs []*Pack) []*Rule {
	var out []*Rule
	for _, p := range packs {
		out = append(out, p.Rules...)
	}
	return out
}

// LoadPacks loads every pack under dir: a folder holding rule.yml is a
// pack (its companions/ are part of it). dir may itself be a pack. Packs
// that do not load are returned as errors (*PackError), the others sorted by id.
func LoadPacks(dir string) ([]*Pack, []error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, []error{err}
	}
	if !st.IsDir() {
		return nil, []error{fmt.Errorf("%s: not a folder (a pack is a folder holding rule.yml and query.cql)", dir)}
	}
	var packs []*Pack
	var errs []error
	fsys := os.DirFS(dir)
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", path.Join(dir, p), err))
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if _, err := fs.Stat(fsys, path.Join(p, "rule.yml")); err != nil {
			return nil
		}
		pk, err := LoadPack(fsys, p, path.Join(dir, p))
		if err != nil {
			errs = append(errs, err)
		} else {
			packs = append(packs, pk)
		}
		return fs.SkipDir
	})
	sort.Slice(packs, func(i, j int) bool { return packs[i].ID < packs[j].ID })
	if len(packs) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: no pack found (a pack is a folder holding rule.yml and query.cql)", dir))
	}
	return packs, errs
}

// LoadDir loads every pack under dir and returns their rules.
func LoadDir(dir string) ([]*Rule, []error) {
	packs, errs := LoadPacks(dir)
	return RulesOf(packs), errs
}
