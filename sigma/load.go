package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Set is what loading rule files gives: the rules that compiled, and why
// the others did not.
type Set struct {
	Rules   []*Compiled
	Filters []*Rule // the Sigma filters read (applied to Rules)
	// Skipped are the documents that did not load, each with its reason.
	Skipped []error
	// Warnings are notes that did not stop a rule (a filter naming a rule
	// that is not loaded…).
	Warnings []string
}

// Files counts the documents read: loaded rules, filters and skipped ones.
func (s *Set) Summary() string {
	return fmt.Sprintf("%d Sigma rule%s loaded, %d not loaded", len(s.Rules), plural(len(s.Rules)), len(s.Skipped))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// LoadError is a path that could not be read at all.
type LoadError struct {
	Path string
	Err  error
}

func (e *LoadError) Error() string { return e.Path + ": " + e.Err.Error() }

// Load reads Sigma rules from files and directories (recursively, .yml and
// .yaml files in lexical order), compiles them and applies the filters
// among them. A file or directory that cannot be read is an error; a
// document that does not load is listed in Skipped.
func Load(paths []string, opts Options) (*Set, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &LoadError{Path: p, Err: err}
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(path)); ext == ".yml" || ext == ".yaml" {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, &LoadError{Path: p, Err: err}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	set := &Set{}
	var docs []*Rule
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &LoadError{Path: f, Err: err}
		}
		rs, errs := Parse(data, f)
		docs = append(docs, rs...)
		set.Skipped = append(set.Skipped, errs...)
	}
	set.add(docs, opts)
	return set, nil
}

// LoadBytes compiles the rules of one document stream (tests, stdin).
func LoadBytes(data []byte, name string, opts Options) *Set {
	set := &Set{}
	rs, errs := Parse(data, name)
	set.Skipped = append(set.Skipped, errs...)
	set.add(rs, opts)
	return set
}

func (s *Set) add(docs []*Rule, opts Options) {
	byRef := map[string][]*Compiled{}
	for _, r := range docs {
		if r.Kind() == "filter" {
			s.Filters = append(s.Filters, r)
			continue
		}
		c, err := Compile(r, opts)
		if err != nil {
			s.Skipped = append(s.Skipped, err)
			continue
		}
		s.Rules = append(s.Rules, c)
		if r.ID != "" {
			byRef[r.ID] = append(byRef[r.ID], c)
		}
		if r.Name != "" {
			byRef[r.Name] = append(byRef[r.Name], c)
		}
	}
	for _, f := range s.Filters {
		if len(f.Filter.Rules) == 0 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: filter %q names no rules and applies to none", f.Source, f.Title))
			continue
		}
		for _, ref := range f.Filter.Rules {
			cs := byRef[ref]
			if len(cs) == 0 {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: filter %q: rule %s is not loaded", f.Source, f.Title, ref))
				continue
			}
			for _, c := range cs {
				if err := ApplyFilter(c, f, opts); err != nil {
					s.Warnings = append(s.Warnings, fmt.Sprintf("filter %q not applied to %s: %v", f.Title, c.Rule.Source, err))
				}
			}
		}
	}
}
