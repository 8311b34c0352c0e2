package demo

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Seeds of the PCG. Changing them changes every byte of the output.
const (
	seedHi = 0x1204_0001_7e1e_7e57
	seedLo = 0x0000_0000_1a4e_0001
)

const (
	dayMS     = 86_400_000
	days      = 4
	batchSize = 40
)

// record is one output line before encoding.
type record struct {
	cat string
	ts  int64
	seq int
	f   map[string]string
}

type proc struct {
	h          *host
	image      string // C:\ style path
	name       string // base name as on disk
	cmd        string
	tpid, rpid string
	ts         int64
	parentName string
}

type host struct {
	name, aid, aip, localIP string
	user, sid, logonID      string
	platform                string
	workstation             bool
	explorer                *proc
	browsers                []*proc          // launched browsers, in launch order
	byKey                   map[string]*proc // browser key -> launched browser
	pseudo                  map[string]*proc // unlogged parents (services.exe ...)
}

type netRef struct {
	p      *proc
	domain string
}

type gen struct {
	r        *rand.Rand
	cid      string
	t0       int64
	hosts    []*host
	ws       []*host
	recs     []record
	procs    []*proc
	hitTimes []int64
	netRefs  []netRef
	seq      int
}

type browserDef struct {
	key, path string
	chromium  bool
}

var browserDefs = []browserDef{
	{"chrome", `C:\Program Files\Google\Chrome\Application\chrome.exe`, true},
	{"msedge", `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, true},
	{"firefox", `C:\Program Files\Mozilla Firefox\firefox.exe`, false},
	{"iexplore", `C:\Program Files\Internet Explorer\iexplore.exe`, false},
	{"opera", `C:\Users\%u\AppData\Local\Programs\Opera\opera.exe`, true},
	{"brave", `C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe`, true},
	{"vivaldi", `C:\Users\%u\AppData\Local\Vivaldi\Application\vivaldi.exe`, true},
	{"browser", `C:\Users\%u\AppData\Local\Yandex\YandexBrowser\Application\browser.exe`, true},
}

func browserDefOf(key string) browserDef {
	for _, b := range browserDefs {
		if b.key == key {
			return b
		}
	}
	panic("unknown browser " + key)
}

var userNames = []string{
	"a.kowalski", "m.chen", "j.okafor", "s.lindqvist", "r.patel", "l.moreau", "d.novak",
	"e.garcia", "k.tanaka", "p.oconnor", "h.schmidt", "t.nguyen", "b.rossi", "c.dubois",
	"f.ahmed", "g.silva", "i.petrov", "n.kim", "o.hansen", "v.kaur", "w.zhang", "y.cohen",
	"z.mwangi", "a.ibrahim", "m.fischer", "j.santos", "s.park", "r.johansson", "l.bianchi",
	"d.kowal", "e.sato", "k.murphy", "p.varga", "h.ali",
}

const (
	domainSID = "S-1-5-21-1851629342-3871028315-2204986117-"
	psPath    = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	pwshPath  = `C:\Program Files\PowerShell\7\pwsh.exe`
	cmdPath   = `C:\Windows\System32\cmd.exe`
	sys32     = `C:\Windows\System32\`
	net4      = `C:\Windows\Microsoft.NET\Framework64\v4.0.30319\`
)

func newGen() *gen {
	g := &gen{r: rand.New(rand.NewPCG(seedHi, seedLo))}
	g.t0 = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC).UnixMilli()
	g.cid = g.hex(32)
	return g
}

// ---- small helpers -------------------------------------------------------

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) uuid() string {
	return g.hex(8) + "-" + g.hex(4) + "-11f0-" + g.hex(4) + "-" + g.hex(12)
}

func (g *gen) falconID() string {
	return strconv.FormatUint(1_000_000_000_000+g.r.Uint64N(9_000_000_000_000), 10)
}
func (g *gen) rawPID() string { return strconv.Itoa(4 * (100 + g.r.IntN(9000))) }
func (g *gen) num(lo, hi int) int {
	return lo + g.r.IntN(hi-lo+1)
}
func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// at returns a time on day d (0-based) between hour lo and hour hi.
func (g *gen) at(d, lo, hi int) int64 {
	return g.t0 + int64(d)*dayMS + int64(lo)*3_600_000 + g.r.Int64N(int64(hi-lo)*3_600_000)
}

func (g *gen) workTS() int64 { return g.at(g.r.IntN(days), 7, 19) }
func (g *gen) anyTS() int64  { return g.t0 + 3_600_000*6 + g.r.Int64N(days*dayMS-3_600_000*6) }

// secs formats epoch milliseconds as Falcon's "seconds.mmm".
func secs(ms int64) string { return fmt.Sprintf("%d.%03d", ms/1000, ms%1000) }

func devPath(p string) string {
	switch {
	case strings.HasPrefix(p, `C:\`):
		return `\Device\HarddiskVolume3\` + p[3:]
	case strings.HasPrefix(p, `E:\`):
		return `\Device\CdRom0\` + p[3:]
	}
	return p
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func hashes(p string) (sha, md string) {
	s := sha256.Sum256([]byte("lanner-demo|" + strings.ToLower(p)))
	m := md5.Sum([]byte("lanner-demo|" + strings.ToLower(p)))
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

// psEnc is PowerShell's -EncodedCommand form: base64 of UTF-16LE.
func psEnc(script string) string {
	b := make([]byte, 0, 2*len(script))
	for i := 0; i < len(script); i++ {
		b = append(b, script[i], 0)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func userDir(h *host) string   { return `C:\Users\` + h.user }
func tempDir(h *host) string   { return userDir(h) + `\AppData\Local\Temp` }
func downloads(h *host) string { return userDir(h) + `\Downloads` }

// caseVariant spells a file name as a sensor may report it.
func caseVariant(name string, v int) string {
	switch v {
	case 1:
		return strings.ToUpper(name)
	case 2:
		return strings.ToUpper(name[:1]) + name[1:]
	}
	return name
}

func (g *gen) randomVariant() int {
	switch n := g.r.IntN(10); {
	case n == 0:
		return 1
	case n == 1:
		return 2
	}
	return 0
}

// domainOf returns the host part of the first URL in s, or "".
func domainOf(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return ""
	}
	rest := s[i+3:]
	if j := strings.IndexAny(rest, `/'" `); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// ipFor maps a domain to a stable address in a documentation range.
func ipFor(domain string) string {
	s := sha256.Sum256([]byte(domain))
	if strings.HasSuffix(domain, ".example") || strings.Contains(domain, ".example.") || strings.HasPrefix(domain, "192.0.2.") {
		if strings.HasPrefix(domain, "192.0.2.") {
			return domain
		}
		return fmt.Sprintf("192.0.2.%d", 1+int(s[0])%254)
	}
	return fmt.Sprintf("198.%d.%d.%d", 18+int(s[0])%2, s[1], 1+int(s[2])%254)
}

// ---- event emitters ------------------------------------------------------

func (g *gen) emit(cat, simpleName string, ts int64, h *host, f map[string]string) {
	if g.r.IntN(2) == 0 {
		f["#event_simpleName"] = simpleName
		f["#repo"] = "base_sensor"
	} else {
		f["event_simpleName"] = simpleName
	}
	f["timestamp"] = strconv.FormatInt(ts, 10)
	f["id"] = g.uuid()
	f["cid"] = g.cid
	if h != nil {
		f["aid"] = h.aid
		f["aip"] = h.aip
		f["event_platform"] = h.platform
	}
	g.recs = append(g.recs, record{cat: cat, ts: ts, seq: g.seq, f: f})
	g.seq++
}

type opt struct {
	simple     string // event_simpleName; default ProcessRollup2
	parentName string // ParentBaseFileName override (case variants, look-alikes)
	noCmd      bool   // omit CommandLine
	fileName   int    // 0: present 85 %, 1: always, 2: never
	parentCmd  int    // 0: 30 %, 1: always, 2: never
	system     bool   // runs as SYSTEM
}

// pr2 emits a process event and returns the process.
func (g *gen) pr2(cat string, h *host, parent *proc, image, cmd string, ts int64, o opt) *proc {
	p := &proc{h: h, image: image, name: baseName(image), cmd: cmd, tpid: g.falconID(), rpid: g.rawPID(), ts: ts}
	simple := o.simple
	if simple == "" {
		simple = "ProcessRollup2"
	}
	f := map[string]string{
		"ImageFileName":              devPath(image),
		"TargetProcessId":            p.tpid,
		"RawProcessId":               p.rpid,
		"ProcessStartTime":           secs(ts - int64(g.r.IntN(40))),
		"ProcessEndTime":             "",
		"SHA1HashData":               "0000000000000000000000000000000000000000",
		"ConfigBuild":                "1007.3.0019507.1",
		"ConfigStateHash":            strconv.FormatUint(uint64(g.r.Uint32()), 10),
		"Entitlements":               "15",
		"EffectiveTransmissionClass": "3",
		"ProcessCreateFlags":         strconv.Itoa(0x80000 | g.r.IntN(4)<<2),
		"TokenType":                  "1",
		"ComputerName":               h.name,
	}
	if h.platform == "Win" {
		f["name"] = "ProcessRollup2V19"
		if simple == "SyntheticProcessRollup2" {
			f["name"] = "SyntheticProcessRollup2V2"
		}
		f["SHA256HashData"], f["MD5HashData"] = hashes(image)
		f["ImageSubsystem"] = "2"
		switch strings.ToLower(p.name) {
		case "cmd.exe", "powershell.exe", "pwsh.exe", "cscript.exe", "certutil.exe", "msbuild.exe", "csc.exe", "conhost.exe":
			f["ImageSubsystem"] = "3"
		}
	} else {
		f["name"] = simple + h.platform + "V6"
		f["SHA256HashData"], f["MD5HashData"] = hashes(image)
	}
	if o.system || h.user == "" {
		f["UserName"], f["UserSid"], f["IntegrityLevel"], f["SessionId"] = "SYSTEM", "S-1-5-18", "16384", "0"
		f["AuthenticationId"] = "999"
	} else {
		f["UserName"], f["UserSid"], f["IntegrityLevel"], f["SessionId"] = h.user, h.sid, "8192", "1"
		f["AuthenticationId"] = h.logonID
	}
	if h.platform != "Win" {
		delete(f, "UserSid")
		delete(f, "AuthenticationId")
		delete(f, "IntegrityLevel")
		delete(f, "SessionId")
		delete(f, "TokenType")
		f["UID"] = "501"
	}
	switch o.fileName {
	case 0:
		if g.r.IntN(100) < 85 {
			f["FileName"] = p.name
			f["FilePath"] = strings.TrimSuffix(devPath(image), p.name)
		}
	case 1:
		f["FileName"] = p.name
		f["FilePath"] = strings.TrimSuffix(devPath(image), p.name)
	}
	if !o.noCmd {
		f["CommandLine"] = cmd
	}
	pname := o.parentName
	if parent != nil {
		if pname == "" {
			pname = parent.name
		}
		f["ParentProcessId"] = parent.tpid
		f["SourceProcessId"] = parent.tpid
		p.parentName = parent.name
		if parent.parentName != "" && g.r.IntN(2) == 0 {
			f["GrandParentBaseFileName"] = parent.parentName
		}
		switch o.parentCmd {
		case 0:
			if parent.cmd != "" && g.r.IntN(100) < 30 {
				f["ParentCommandLine"] = parent.cmd
			}
		case 1:
			if parent.cmd != "" {
				f["ParentCommandLine"] = parent.cmd
			}
		}
	} else {
		id := g.falconID()
		f["ParentProcessId"] = id
		f["SourceProcessId"] = id
		p.parentName = pname
	}
	f["ParentBaseFileName"] = pname
	g.emit(cat, simple, ts, h, f)
	if h.platform == "Win" {
		g.procs = append(g.procs, p)
	}
	return p
}

// pseudoParent is a parent process whose own start is not in the data
// (started before the sensor window).
func (g *gen) pseudoParent(h *host, image, cmd string) *proc {
	if p, ok := h.pseudo[image]; ok {
		return p
	}
	p := &proc{h: h, image: image, name: baseName(image), cmd: cmd, tpid: g.falconID(), rpid: g.rawPID(), parentName: "wininit.exe"}
	h.pseudo[image] = p
	return p
}

func (g *gen) fileWritten(cat, simple string, h *host, ctx *proc, path string, ts int64) {
	f := map[string]string{
		"ContextProcessId":           ctx.tpid,
		"ContextThreadId":            g.falconID(),
		"ContextTimeStamp":           secs(ts - int64(g.r.IntN(5))),
		"TargetFileName":             devPath(path),
		"Size":                       strconv.Itoa(g.num(900, 4_000_000)),
		"IsOnNetwork":                "0",
		"IsOnRemovableDisk":          "0",
		"EffectiveTransmissionClass": "3",
		"ConfigBuild":                "1007.3.0019507.1",
		"name":                       simple + "V3",
	}
	if simple == "NewExecutableWritten" || simple == "NewScriptWritten" {
		f["SHA256HashData"], _ = hashes(path)
	}
	if g.r.IntN(2) == 0 {
		f["ComputerName"] = h.name
	}
	g.emit(cat, simple, ts, h, f)
}

func (g *gen) dns(h *host, ctx *proc, domain string, ts int64) {
	f := map[string]string{
		"ContextProcessId":           ctx.tpid,
		"ContextThreadId":            g.falconID(),
		"ContextTimeStamp":           secs(ts - int64(g.r.IntN(5))),
		"DomainName":                 domain,
		"RequestType":                "1",
		"DualRequest":                "0",
		"EffectiveTransmissionClass": "2",
		"ConfigBuild":                "1007.3.0019507.1",
		"name":                       "DnsRequestV4",
	}
	if g.r.IntN(2) == 0 {
		f["ComputerName"] = h.name
	}
	g.emit("other_dns_request", "DnsRequest", ts, h, f)
}

func (g *gen) netConnect(h *host, ctx *proc, remote, port string, ts int64) {
	f := map[string]string{
		"ContextProcessId":           ctx.tpid,
		"ContextTimeStamp":           secs(ts - int64(g.r.IntN(5))),
		"LocalAddressIP4":            h.localIP,
		"LocalPort":                  strconv.Itoa(g.num(49152, 65535)),
		"RemoteAddressIP4":           remote,
		"RemotePort":                 port,
		"Protocol":                   "6",
		"ConnectionDirection":        "0",
		"ConnectionFlags":            "0",
		"InContext":                  "0",
		"EffectiveTransmissionClass": "2",
		"ConfigBuild":                "1007.3.0019507.1",
		"name":                       "NetworkConnectIP4V5",
	}
	if g.r.IntN(2) == 0 {
		f["ComputerName"] = h.name
	}
	g.emit("other_network_connect", "NetworkConnectIP4", ts, h, f)
}

// ---- the run -------------------------------------------------------------

func (g *gen) run() {
	g.makeHosts()
	g.sessions()
	g.hits()
	g.noise()
	g.otherEvents()
}

func (g *gen) makeHosts() {
	depts := []string{"FIN", "HR", "ENG", "SALES", "OPS", "LEGAL"}
	for i, u := range userNames {
		kind := "WS"
		if i%3 == 1 {
			kind = "LT"
		}
		h := &host{
			name:        fmt.Sprintf("%s-%s-%04d", kind, depts[i%len(depts)], g.num(100, 9999)),
			aid:         g.hex(32),
			localIP:     fmt.Sprintf("10.20.%d.%d", 10+i%6, g.num(20, 250)),
			user:        u,
			sid:         domainSID + strconv.Itoa(1104+i*7),
			logonID:     strconv.Itoa(g.num(200_000, 9_000_000)),
			platform:    "Win",
			workstation: true,
			byKey:       map[string]*proc{},
			pseudo:      map[string]*proc{},
		}
		if kind == "LT" {
			h.aip = fmt.Sprintf("203.0.113.%d", g.num(10, 250))
		} else {
			h.aip = "198.51.100.17"
		}
		g.hosts = append(g.hosts, h)
		g.ws = append(g.ws, h)
	}
	for _, n := range []string{"SRV-FS-0001", "SRV-APP-0002"} {
		g.hosts = append(g.hosts, &host{
			name: n, aid: g.hex(32), aip: "198.51.100.18", localIP: fmt.Sprintf("10.20.1.%d", g.num(2, 9)),
			platform: "Win", byKey: map[string]*proc{}, pseudo: map[string]*proc{},
		})
	}
}

// sessions: logon, explorer.exe, browser launches.
func (g *gen) sessions() {
	for i, h := range g.hosts {
		if !h.workstation {
			continue
		}
		logon := g.at(0, 5, 6)
		g.userLogon(h, logon, "2")
		g.userLogon(h, g.at(1+g.r.IntN(days-1), 7, 9), "7")
		userinit := g.pseudoParent(h, sys32+"userinit.exe", sys32+"userinit.exe")
		h.explorer = g.pr2("noise_session_explorer", h, userinit, `C:\Windows\explorer.exe`, `C:\Windows\Explorer.EXE`, logon+int64(g.num(3000, 20000)), opt{fileName: 1})

		var keys []string
		switch n := g.r.IntN(10); {
		case n < 5:
			keys = append(keys, "chrome")
		case n < 9:
			keys = append(keys, "msedge")
		default:
			keys = append(keys, "firefox")
		}
		if i < 24 && browserDefs[i%8].key != keys[0] {
			keys = append(keys, browserDefs[i%8].key)
		}
		for _, k := range keys {
			def := browserDefOf(k)
			path := strings.ReplaceAll(def.path, "%u", h.user)
			cmd := `"` + path + `" `
			switch {
			case k == "firefox":
				cmd = `"` + path + `" -osint -url "https://intranet.corp.example/"`
			case k == "iexplore":
				cmd = `"` + path + `" `
			case def.chromium && g.r.IntN(2) == 0:
				cmd = `"` + path + `" --profile-directory=Default`
			}
			b := g.pr2("noise_browser_launch", h, h.explorer, path, cmd, g.at(0, 6, 7), opt{fileName: 1})
			h.browsers = append(h.browsers, b)
			h.byKey[k] = b
		}
	}
}

func (g *gen) userLogon(h *host, ts int64, logonType string) {
	f := map[string]string{
		"UserName":              h.user,
		"UserSid":               h.sid,
		"UserPrincipal":         h.user + "@corp.example",
		"LogonDomain":           "CORP",
		"LogonServer":           "DC01",
		"LogonType":             logonType,
		"LogonTime":             secs(ts),
		"AuthenticationPackage": "Negotiate",
		"AuthenticationId":      h.logonID,
		"ComputerName":          h.name,
		"ContextTimeStamp":      secs(ts),
		"name":                  "UserLogonV12",
	}
	g.emit("other_user_logon", "UserLogon", ts, h, f)
}

// hitTS is the time of a seed hit: usually a fresh business-hours time,
// sometimes exactly the time of an earlier hit on another host.
func (g *gen) hitTS() int64 {
	var ts int64
	if len(g.hitTimes) >= 8 && g.r.IntN(100) < 12 {
		ts = g.hitTimes[g.r.IntN(len(g.hitTimes))]
	} else {
		ts = g.workTS()
	}
	g.hitTimes = append(g.hitTimes, ts)
	return ts
}

var browserWeights = []struct {
	key string
	w   int
}{{"chrome", 38}, {"msedge", 34}, {"firefox", 12}, {"iexplore", 4}, {"opera", 3}, {"brave", 4}, {"vivaldi", 2}, {"browser", 3}}

func (g *gen) weightedBrowser() string {
	n := g.r.IntN(100)
	for _, bw := range browserWeights {
		if n < bw.w {
			return bw.key
		}
		n -= bw.w
	}
	return "chrome"
}

func (g *gen) hostWith(key string) *host {
	var c []*host
	for _, h := range g.ws {
		if h.byKey[key] != nil {
			c = append(c, h)
		}
	}
	return c[g.r.IntN(len(c))]
}

// hit emits one seed hit of spec s (the k-th of its category, ci the
// category's index) and returns the child process.
func (g *gen) hit(s *hitSpec, ci, k int) {
	var key string
	variant := 0
	switch {
	case s.browsers != nil:
		key = s.browsers[k%len(s.browsers)]
		variant = g.randomVariant()
	case k < len(browserDefs):
		key = browserDefs[(k+ci)%len(browserDefs)].key
		variant = (k + ci) % 3
	default:
		key = g.weightedBrowser()
		variant = g.randomVariant()
	}
	h := g.hostWith(key)
	parent := h.byKey[key]
	ts := g.hitTS()
	image, cmd := s.build(g, h, k)
	o := opt{parentName: caseVariant(parent.name, variant)}
	if s.before != nil {
		s.before(g, h, parent, ts)
	}
	child := g.pr2(s.cat, h, parent, image, cmd, ts, o)
	if s.after != nil {
		s.after(g, h, parent, child)
	}
	if d := domainOf(cmd); d != "" {
		g.netRefs = append(g.netRefs, netRef{child, d})
	}
}

func (g *gen) hits() {
	for ci := range hitSpecs {
		s := &hitSpecs[ci]
		for k := 0; k < s.n; k++ {
			g.hit(s, ci, k)
		}
	}
}

// order sorts the records by time and then shuffles them within blocks, as
// FDR part files are only roughly ordered.
func (g *gen) order() {
	slices.SortStableFunc(g.recs, func(a, b record) int {
		if a.ts != b.ts {
			if a.ts < b.ts {
				return -1
			}
			return 1
		}
		return a.seq - b.seq
	})
	for i := 0; i < len(g.recs); i += batchSize {
		blk := g.recs[i:min(i+batchSize, len(g.recs))]
		g.r.Shuffle(len(blk), func(a, b int) { blk[a], blk[b] = blk[b], blk[a] })
	}
}
