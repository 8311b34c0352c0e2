package engine

import (
	"regexp"

	"github.com/lanner-dev/lanner/match"
)

// fastMatcher returns the quickest exact matcher for a compiled Go pattern:
// literal sets, prefix/suffix and multi-literal searches from package match,
// which give exactly what regexp gives.
func fastMatcher(pattern string, re *regexp.Regexp) matcher {
	if m, err := match.Compile(pattern); err == nil {
		return m
	}
	return re
}

// regexLiterals returns literals one of which every match must contain.
func regexLiterals(pattern string) ([]string, bool, bool) {
	m, err := match.Compile(pattern)
	if err != nil {
		return nil, false, false
	}
	return m.Literals()
}

// globM is a compiled glob.
type globM interface {
	MatchString(string) bool
	Literals() ([]string, bool, bool)
}

// compileGlob compiles a LogScale glob: '*' matches any run; '\*' is a
// literal star, '\\' a literal backslash.
func compileGlob(pattern string, fold bool) globM {
	return match.CompileGlob(pattern, fold)
}
