package sigma

import (
	"unicode"
	"unicode/utf8"
)

// ahoCorasick finds, in one pass over a value, every literal of a set that
// occurs in it, ASCII case-insensitively (literals are stored lower-cased;
// the caller sends values with non-ASCII bytes down a conservative path).
type ahoCorasick struct {
	class  [256]uint8 // byte → alphabet class (0: a byte no literal has)
	nclass int
	delta  []uint16  // state*nclass + class → next state
	out    [][]int32 // state → literal ids ending here (fail links merged)
}

// maxStates keeps the transition table small enough to stay in cache.
const maxStates = 1 << 16

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 32
	}
	return b
}

func newAhoCorasick(lits []string) *ahoCorasick {
	a := &ahoCorasick{}
	n := 1
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			c := lowerASCII(l[i])
			if a.class[c] == 0 {
				if n == 255 {
					continue // more than 254 distinct bytes: share class 255
				}
				a.class[c] = uint8(n)
				n++
			}
		}
	}
	// bytes past the limit all map to the last class
	a.nclass = n
	if n == 255 {
		a.nclass = 256
		for c := 0; c < 256; c++ {
			if a.class[c] == 0 {
				a.class[c] = 255
			}
		}
	}
	// upper-case letters share their lower-case class
	for c := 'A'; c <= 'Z'; c++ {
		a.class[c] = a.class[c+32]
	}
	k := a.nclass
	// trie
	type node struct {
		next map[uint8]int32
	}
	_ = maxStates
	trie := []node{{next: map[uint8]int32{}}}
	a.out = [][]int32{nil}
	for id, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := a.class[lowerASCII(l[i])]
			nx, ok := trie[s].next[c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, node{next: map[uint8]int32{}})
				a.out = append(a.out, nil)
				trie[s].next[c] = nx
			}
			s = nx
		}
		a.out[s] = append(a.out[s], int32(id))
	}
	ns := len(trie)
	if ns > maxStates {
		return nil
	}
	a.delta = make([]uint16, ns*k)
	fail := make([]int32, ns)
	// BFS
	queue := make([]int32, 0, ns)
	for c := 0; c < k; c++ {
		if nx, ok := trie[0].next[uint8(c)]; ok && c != 0 {
			a.delta[c] = uint16(nx)
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if len(a.out[fail[s]]) > 0 {
			a.out[s] = append(a.out[s], a.out[fail[s]]...)
		}
		for c := 0; c < k; c++ {
			nx, ok := trie[s].next[uint8(c)]
			if ok && c != 0 {
				fail[nx] = int32(a.delta[int(fail[s])*k+c])
				a.delta[int(s)*k+c] = uint16(nx)
				queue = append(queue, nx)
			} else {
				a.delta[int(s)*k+c] = a.delta[int(fail[s])*k+c]
			}
		}
	}
	return a
}

// scan appends the ids of the literals found in s to hits (an id may
// repeat).
func (a *ahoCorasick) scan(s []byte, hits []int32) []int32 {
	k := a.nclass
	st := uint16(0)
	for _, c := range s {
		st = a.delta[int(st)*k+int(a.class[c])]
		if o := a.out[st]; o != nil {
			hits = append(hits, o...)
		}
	}
	return hits
}

// foldKey writes s in a case-folded form in which two strings are equal
// exactly when Go's (?i) matches one against the other, rune by rune: a
// rune whose simple folding orbit holds an ASCII letter becomes that
// letter in lower case (so K, k and the Kelvin sign are all 'k'); any
// other rune becomes the smallest rune of its orbit. ok is false for
// invalid UTF-8.
func foldKey(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, lowerASCII(c))
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return dst, false
		}
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n - 1
	}
	return dst, true
}

func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return rune(lowerASCII(byte(f)))
		}
		if f < min {
			min = f
		}
	}
	return min
}
