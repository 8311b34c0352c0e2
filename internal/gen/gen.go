// Package gen generates deterministic Falcon-like endpoint telemetry as NDJSON, for benchmarks
// and tests of the engine.
//
// The output imitates CrowdStrike Falcon events as FDR delivers them and as LogScale exports
// them: every value a JSON string, Windows image paths as \Device\HarddiskVolumeN\…, 13-digit
// epoch-millisecond timestamps. About a third of the events are ProcessRollup2; the rest are
// other Falcon events. Tags are written as event_simpleName (FDR), #event_simpleName (LogScale)
// or both. A small fraction of events (about 0.3 %) are planted matches of the seed query
// (T1204.001: a browser starting PowerShell, mshta, a LOLBin…), among them the query's edge
// cases: no FileName (only ImageFileName), JSON \uXXXX escapes, mixed case, non-ASCII user
// names, an empty CommandLine. Near misses (SyntheticProcessRollup2, unlisted children or
// parents, no CommandLine) are planted too.
//
// Timestamps are unique, so sorting on them gives one order. The output for a seed is the same
// on every run and machine, and the output for a smaller size is a prefix of the output for a
// larger one.
package gen

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// BaseMillis is the timestamp of the first event's block: 2026-01-01T00:00:00Z.
const BaseMillis = 1767225600000

// chunkEvents is the unit of (parallel) generation; every chunk has its own random stream,
// derived from the seed and the chunk's index.
const chunkEvents = 1024

// Stats describes what Generate wrote.
type Stats struct {
	Events         int64 // lines
	Bytes          int64
	ProcessRollup2 int64 // events whose tag (#event_simpleName, else event_simpleName) is ProcessRollup2
	SeedMatches    int64 // events the seed query (shared/acceptance/seed.cql) matches, by construction
}

// Write writes at least size bytes of NDJSON (whole lines; it stops after the line that reaches
// size) generated from seed, and returns the number of events written.
func Write(w io.Writer, size int64, seed uint64) (events int64, err error) {
	st, err := Generate(w, size, seed, 0)
	return st.Events, err
}

// Generate is Write with statistics and a number of worker goroutines (0: GOMAXPROCS). The
// output does not depend on workers.
func Generate(w io.Writer, size int64, seed uint64, workers int) (Stats, error) {
	var st Stats
	if size <= 0 {
		return st, nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	wd := newWorld(seed)
	pool := sync.Pool{New: func() any { return new(chunk) }}
	jobs := make(chan job)
	order := make(chan chan *chunk, 2*workers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				ch := pool.Get().(*chunk)
				wd.fill(ch, seed, j.idx)
				j.out <- ch
			}
		}()
	}
	go func() { // hand out chunk indexes in order until the writer has enough
		defer close(order)
		defer close(jobs)
		for idx := int64(0); ; idx++ {
			out := make(chan *chunk, 1)
			select {
			case order <- out:
			case <-done:
				return
			}
			select {
			case jobs <- job{idx, out}:
			case <-done:
				return
			}
		}
	}()
	defer func() {
		close(done)
		for range order { // let the producer finish
		}
		wg.Wait()
	}()

	for out := range order {
		ch := <-out
		n := len(ch.ends)
		if rem := size - st.Bytes; int64(len(ch.buf)) >= rem { // the last chunk: find the line that reaches size
			n = 0
			for int64(ch.ends[n]) < rem {
				n++
			}
			n++
		}
		end := int(ch.ends[n-1])
		for i := 0; i < n; i++ {
			st.ProcessRollup2 += int64(ch.flags[i] & flagPR2)
			st.SeedMatches += int64(ch.flags[i]&flagMatch) >> 1
		}
		if _, err := w.Write(ch.buf[:end]); err != nil {
			return st, err
		}
		st.Events += int64(n)
		st.Bytes += int64(end)
		pool.Put(ch)
		if st.Bytes >= size {
			return st, nil
		}
	}
	return st, errors.New("gen: generator stopped early")
}

type job struct {
	idx int64
	out chan *chunk
}

const (
	flagPR2   = 1
	flagMatch = 2
)

type chunk struct {
	buf   []byte
	ends  []int32 // end offset (after '\n') of each line
	flags []uint8
}

// ---- random numbers

type rng struct{ s uint64 }

func (r *rng) next() uint64 { // wyrand
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a number in [0, n), n < 2^32.
func (r *rng) intn(n int) int { return int((r.next() & 0xffffffff) * uint64(n) >> 32) }

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// table is a weighted choice: indexes repeated by weight.
type table []uint16

func (t table) pick(r *rng) int { return int(t[r.intn(len(t))]) }

func mkTable(weights []int) table {
	var t table
	for i, w := range weights {
		for range w {
			t = append(t, uint16(i))
		}
	}
	return t
}

// ---- the world: hosts, users, processes, payloads (fixed per seed)

type host struct {
	aid, cid, aip, lip, mac string
	name                    string // ComputerName (ASCII)
	plat                    int    // 0 Windows, 1 Mac, 2 Linux
	vol                     string // `\\Device\\HarddiskVolume3\\` (escaped)
	users                   []int
	build                   string
	cfgHash                 string
}

type user struct {
	name    esc2 // UserName
	profile esc2 // folder under C:\Users
	sid     string
}

type proc struct {
	base    string // ASCII base name
	dir     tmpl
	cmds    []tmpl
	parents []int
	md5     string
	sha256  string
}

type malChild struct {
	p    int // index into procs
	cmds []tmpl
}

type browser struct {
	p     int
	cmds  []tmpl
	case2 [2]string // upper-case and title-case spellings of the base name
}

type world struct {
	hosts      []host
	users      []user
	sysUsers   []user
	procs      []proc
	byName     map[string]int
	benign     table
	browsers   []browser
	browserTab table
	mal        []malChild
	malTab     table
	nearKids   []int
	nearPars   []int
	urls       []esc2
	b64        []esc2
	files      []esc2
	lureDoms   []string
	domains    []string
	unix       []unixProc
}

type unixProc struct {
	mac                     bool
	image, pbase, base, dir esc2
	cmd                     tmpl
	md5, sha256             string
}

func hexString(r *rng, n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 16 {
		x := r.next()
		for j := i; j < n && j < i+16; j++ {
			b[j] = hexdigits[x&15]
			x >>= 4
		}
	}
	return string(b)
}

func newWorld(seed uint64) *world {
	r := &rng{s: splitmix(seed ^ 0x5eed)}
	w := &world{byName: map[string]int{}}

	// processes
	addProc := func(base, dir string, cmds []string) int {
		if i, ok := w.byName[base]; ok {
			return i
		}
		w.procs = append(w.procs, proc{base: base, dir: parseTmpl(dir), cmds: parseTmpls(cmds...),
			md5: hexString(r, 32), sha256: hexString(r, 64)})
		w.byName[base] = len(w.procs) - 1
		return len(w.procs) - 1
	}
	var weights []int
	for _, p := range winProcs {
		addProc(p.base, p.dir, p.cmds)
		weights = append(weights, p.weight)
	}
	for i, p := range winProcs {
		for _, pb := range p.parents {
			j, ok := w.byName[pb]
			if !ok {
				panic("gen: unknown parent " + pb)
			}
			w.procs[i].parents = append(w.procs[i].parents, j)
		}
	}
	w.benign = mkTable(weights)
	weights = weights[:0]
	for _, b := range browserSpecs {
		i := w.byName[b.base]
		title := strings.ToUpper(b.base[:1]) + b.base[1:]
		w.browsers = append(w.browsers, browser{p: i, cmds: parseTmpls(b.cmds...), case2: [2]string{strings.ToUpper(b.base), title}})
		weights = append(weights, b.weight)
	}
	w.browserTab = mkTable(weights)
	weights = weights[:0]
	for _, m := range maliciousChildren {
		i := addProc(m.base, m.dir, nil)
		w.mal = append(w.mal, malChild{p: i, cmds: parseTmpls(m.cmds...)})
		weights = append(weights, m.weight)
	}
	w.malTab = mkTable(weights)
	for _, b := range nearMissChildren {
		w.nearKids = append(w.nearKids, w.byName[b])
	}
	for _, b := range nearMissParents {
		w.nearPars = append(w.nearPars, w.byName[b])
	}

	// users
	for _, f := range firstNames {
		for k := 0; k < 3; k++ {
			l := lastNames[r.intn(len(lastNames))]
			n := f + "." + l
			if k == 2 {
				n = f[:1] + l
			}
			w.users = append(w.users, mkUser(n, r))
		}
	}
	for _, n := range specialUsers {
		w.users = append(w.users, mkUser(n, r))
	}
	for _, s := range [][2]string{{"SYSTEM", "S-1-5-18"}, {"LOCAL SERVICE", "S-1-5-19"}, {"NETWORK SERVICE", "S-1-5-20"}} {
		w.sysUsers = append(w.sysUsers, user{name: mkesc(s[0]), profile: mkesc("Default"), sid: s[1]})
	}

	// hosts
	cids := []string{hexString(r, 32), hexString(r, 32), hexString(r, 32)}
	builds := []string{"1007.3.0019203.1", "1007.3.0019405.1", "1007.4.0013701.1", "1007.8.0010912.1"}
	for i := 0; i < 600; i++ {
		h := host{aid: hexString(r, 32), cid: cids[r.intn(len(cids))], build: builds[r.intn(len(builds))],
			cfgHash: strconv.FormatUint(r.next()&0xffffffff, 10)}
		switch x := r.intn(100); {
		case x < 88:
			h.plat = 0
		case x < 96:
			h.plat = 1
		default:
			h.plat = 2
		}
		site, dept := siteCodes[r.intn(len(siteCodes))], deptCodes[r.intn(len(deptCodes))]
		switch {
		case h.plat == 1:
			h.name = strings.ToUpper(dept[:1]) + dept[1:] + "s-MacBook-Pro-" + strconv.Itoa(r.intn(90)+10)
		case h.plat == 2:
			h.name = "lnx-" + strings.ToLower(site) + "-app" + strconv.Itoa(r.intn(90)+10)
		case r.intn(10) < 2:
			h.name = "SRV-" + site + "-" + []string{"SQL", "FS", "DC", "APP", "WEB"}[r.intn(5)] + strconv.Itoa(r.intn(20)+1)
		case r.intn(10) < 3:
			h.name = "DESKTOP-" + strings.ToUpper(hexString(r, 7))
		default:
			h.name = "WS-" + site + "-" + dept + "-" + strconv.Itoa(1000+r.intn(9000))
		}
		h.aip = "203.0.113." + strconv.Itoa(r.intn(254)+1)
		h.lip = "10." + strconv.Itoa(r.intn(40)) + "." + strconv.Itoa(r.intn(256)) + "." + strconv.Itoa(r.intn(254)+1)
		h.mac = strings.ToUpper(hexString(r, 12))
		h.mac = h.mac[0:2] + "-" + h.mac[2:4] + "-" + h.mac[4:6] + "-" + h.mac[6:8] + "-" + h.mac[8:10] + "-" + h.mac[10:12]
		h.vol = `\\Device\\HarddiskVolume` + strconv.Itoa(2+r.intn(3)) + `\\`
		for k := 0; k < 1+r.intn(3); k++ {
			h.users = append(h.users, r.intn(len(w.users)))
		}
		w.hosts = append(w.hosts, h)
	}

	// payloads, URLs, file names, domains
	plain := func(s string) string { return fillPlain(s, r, w) }
	for _, f := range lureFiles {
		w.files = append(w.files, mkesc(f))
	}
	w.lureDoms = lureDomains
	for i := 0; i < 64; i++ {
		scheme := "https://"
		if r.intn(4) == 0 {
			scheme = "http://"
		}
		dom := lureDomains[r.intn(len(lureDomains))]
		if r.intn(6) == 0 {
			dom = "198.51.100." + strconv.Itoa(r.intn(254)+1)
		}
		w.urls = append(w.urls, mkesc(scheme+dom+plain(urlPaths[r.intn(len(urlPaths))])))
	}
	for i := 0; i < 48; i++ {
		s := plain(psScripts[r.intn(len(psScripts))])
		u := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(u))
		for k, c := range u {
			binary.LittleEndian.PutUint16(b[2*k:], c)
		}
		w.b64 = append(w.b64, mkesc(base64.StdEncoding.EncodeToString(b)))
	}
	w.domains = benignDomains
	for _, u := range unixProcs {
		k := strings.LastIndexByte(u.image, '/') + 1
		w.unix = append(w.unix, unixProc{u.mac, mkesc(u.image), mkesc(u.pbase), mkesc(u.image[k:]), mkesc(u.image[:k]),
			parseTmpl(u.cmd), hexString(r, 32), hexString(r, 64)})
	}
	return w
}

func mkUser(name string, r *rng) user {
	sid := "S-1-5-21-" + strconv.FormatUint(r.next()%4000000000, 10) + "-" + strconv.FormatUint(r.next()%4000000000, 10) +
		"-" + strconv.FormatUint(r.next()%4000000000, 10) + "-" + strconv.Itoa(1100+r.intn(30000))
	return user{name: mkesc(name), profile: mkesc(name), sid: sid}
}

// fillPlain fills a template's placeholders with plain text (used once, to build the pools).
func fillPlain(s string, r *rng, w *world) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "«")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "»")
		b.WriteString(s[:i])
		switch phNames[s[i+len("«"):i+j]] {
		case phH8:
			b.WriteString(hexString(r, 8))
		case phH16:
			b.WriteString(hexString(r, 16))
		case phH32:
			b.WriteString(hexString(r, 32))
		case phIP:
			b.WriteString("198.51.100." + strconv.Itoa(r.intn(254)+1))
		case phFILE:
			b.WriteString(lureFiles[r.intn(len(lureFiles))])
		default:
			panic("gen: placeholder not allowed here: " + s)
		}
		s = s[i+j+len("»"):]
	}
}
