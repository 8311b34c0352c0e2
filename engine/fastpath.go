package engine

import "regexp"

// fastMatcher returns the quickest exact matcher for a compiled Go pattern.
func fastMatcher(pattern string, re *regexp.Regexp) matcher { return re }

// regexLiterals returns literals one of which every match must contain.
func regexLiterals(pattern string) ([]string, bool, bool) { return nil, false, false }

// globMatcher compiles a LogScale glob: '*' matches any run; '\*' is a
// literal star, '\\' a literal backslash.
func compileGlob(pattern string, fold bool) globM {
	return newSimpleGlob(pattern, fold)
}
