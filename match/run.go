package match

import "regexp/syntax"

// A classRun is a requirement some patterns carry that no literal captures:
// every match holds at least n consecutive bytes of one ASCII class, as in
// `\s[a-fA-F0-9]{64}\s` (a hash on a command line). Checking for such a run
// is a single byte loop, far cheaper than the regexp, which then runs only
// on the strings that have one.
type classRun struct {
	in [256]bool
	n  int
}

// minRun is the shortest run worth a check of its own.
const minRun = 8

// findRun returns the longest class run every match of re must contain,
// or nil. It reads the unsimplified tree, where x{n,m} is still OpRepeat.
func findRun(re *syntax.Regexp) *classRun {
	var best *classRun
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		case syntax.OpCapture:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= minRun && re.Sub[0].Op == syntax.OpCharClass {
				if r := asciiClass(re.Sub[0], re.Min); r != nil && (best == nil || r.n > best.n) {
					best = r
				}
			}
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		case syntax.OpPlus:
			walk(re.Sub[0])
		}
	}
	walk(re)
	return best
}

// asciiClass builds the byte set of a class made only of ASCII runes; a
// class with any non-ASCII rune (a case fold such as K for k) gives nil.
func asciiClass(cc *syntax.Regexp, n int) *classRun {
	r := &classRun{n: n}
	for i := 0; i+1 < len(cc.Rune); i += 2 {
		lo, hi := cc.Rune[i], cc.Rune[i+1]
		if hi >= 0x80 {
			return nil
		}
		for c := lo; c <= hi; c++ {
			r.in[c] = true
		}
	}
	return r
}

// has reports whether s holds n consecutive bytes of the class. A byte of
// a multi-byte or invalid UTF-8 sequence is never in an ASCII class, as
// the regexp reads it as a rune outside the class.
func (r *classRun) has(s string) bool {
	k := 0
	for i := 0; i < len(s); i++ {
		if r.in[s[i]] {
			k++
			if k >= r.n {
				return true
			}
		} else {
			k = 0
		}
	}
	return false
}
