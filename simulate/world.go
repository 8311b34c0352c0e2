package simulate

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// world is the host, user and clock a simulation runs on, all drawn from
// the seed.
type world struct {
	r         *rand.Rand
	host      string // NetBIOS name, e.g. WKS-FIN042
	fqdn      string // lower-case DNS name
	domain    string // NetBIOS domain
	user      string
	userSID   string
	logonID   uint64
	logonGUID string
	aid, cid  string
	aip       string
	localIP   string
	deviceID  string // Defender DeviceId: 40 hex digits
	guidHost  string // first group of Sysmon GUIDs on this host
	sysmonPID int
	sysmonTID int
	clock     time.Time
	sysmonRec int64
	secRec    int64
	reportID  int64
	guidSeq   uint32
}

var (
	depts = []string{"FIN", "HR", "OPS", "MKT", "ENG", "LEG", "SAL", "ITS"}
	users = []string{"amelie.durand", "bkowalski", "chen.wei", "d.okafor", "eva.lindqvist", "farid.haddad",
		"g.moreau", "hanna.berg", "ivan.petrov", "j.alvarez", "kaito.sato", "l.nguyen", "maria.rossi",
		"n.adeyemi", "oscar.meyer", "priya.raman"}
)

func newWorld(seed uint64) *world {
	r := rand.New(rand.NewPCG(seed, 0x1204001))
	w := &world{r: r}
	w.host = fmt.Sprintf("WKS-%s%03d", depts[r.IntN(len(depts))], 1+r.IntN(299))
	w.domain = "CORP"
	w.fqdn = strings.ToLower(w.host) + ".corp.example"
	w.user = users[r.IntN(len(users))]
	w.userSID = fmt.Sprintf("S-1-5-21-%d-%d-%d-%d", 1_000_000_000+r.Uint32()%3_000_000_000, 1_000_000_000+r.Uint32()%3_000_000_000, 1_000_000_000+r.Uint32()%3_000_000_000, 1100+r.IntN(4000))
	w.logonID = 0x100000 + uint64(r.IntN(0xeffffff))
	w.aid = w.hex(32)
	w.cid = w.hex(32)
	w.aip = fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
	w.localIP = fmt.Sprintf("10.%d.%d.%d", 20+r.IntN(20), r.IntN(256), 2+r.IntN(250))
	w.deviceID = w.hex(40)
	w.guidHost = strings.ToUpper(w.hex(8))
	w.logonGUID = w.guid()
	w.sysmonPID = 4 * (500 + r.IntN(1000))
	w.sysmonTID = 4 * (500 + r.IntN(2000))
	day := r.IntN(20)
	w.clock = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).AddDate(0, 0, day).Add(time.Duration(r.IntN(8*3600)) * time.Second).Add(time.Duration(r.IntN(1000)) * time.Millisecond)
	w.sysmonRec = 10_000 + int64(r.IntN(900_000))
	w.secRec = 100_000 + int64(r.IntN(9_000_000))
	w.reportID = 1000 + int64(r.IntN(90_000))
	return w
}

func (w *world) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[w.r.IntN(16)]
	}
	return string(b)
}

// guid returns a Sysmon-style GUID: a host-constant first group, then
// groups that vary per process.
func (w *world) guid() string {
	w.guidSeq++
	return fmt.Sprintf("{%s-%s-%s-%04X-%s}", w.guidHost, strings.ToUpper(w.hex(4)), strings.ToUpper(w.hex(4)), w.guidSeq&0xffff, strings.ToUpper(w.hex(12)))
}

func (w *world) uuid() string {
	h := w.hex(32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (w *world) pid() int { return 4 * (200 + w.r.IntN(4000)) }

func (w *world) falconID() string {
	return strconv.FormatUint(1_000_000_000_000+w.r.Uint64N(8_000_000_000_000), 10)
}

// advance moves the clock by a few seconds and returns the new time.
func (w *world) advance() time.Time {
	w.clock = w.clock.Add(time.Duration(1500+w.r.IntN(6000)) * time.Millisecond)
	return w.clock
}

// proc is a process in the simulation.
type proc struct {
	id        string
	image     string // drive-letter path
	name      string
	cmd       string
	pid       int
	guid      string
	tpid      string // Falcon TargetProcessId
	start     time.Time
	parent    *proc
	integrity string // Low, Medium, High, System
	logged    bool   // started during the test (has a process-start record)
}

// kind of a timeline record.
type kind int

const (
	procStart kind = iota
	fileCreate
	netConnect
)

// rec is one thing that happened, before any source renders it.
type rec struct {
	kind      kind
	t         time.Time
	p         *proc
	path      string // fileCreate
	size      int
	remoteIP  string
	port      int
	hostname  string
	protocol  string
	localPort int
	tid       string // Falcon ContextThreadId
	evID      string // Falcon event id
}

// timeline plays the scenarios on the world.
type timeline struct {
	w    *world
	recs []*rec
	vols []map[string]string // per record: the scenario's volumes
}

func (w *world) expand(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	home := `C:\Users\` + w.user
	vars := map[string]string{
		"TEMP":         home + `\AppData\Local\Temp`,
		"TMP":          home + `\AppData\Local\Temp`,
		"USERPROFILE":  home,
		"LOCALAPPDATA": home + `\AppData\Local`,
		"APPDATA":      home + `\AppData\Roaming`,
		"USERNAME":     w.user,
		"COMPUTERNAME": w.host,
		"SYSTEMROOT":   `C:\Windows`,
		"WINDIR":       `C:\Windows`,
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		if v, ok := vars[strings.ToUpper(name)]; ok {
			b.WriteString(s[:i])
			b.WriteString(v)
		} else {
			b.WriteString(s[:i+1+j+1])
		}
		s = s[i+1+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// play adds a scenario's records to the timeline.
func (tl *timeline) play(sc *Scenario) {
	w := tl.w
	procs := map[string]*proc{}
	explorer := &proc{id: "explorer", image: `C:\Windows\explorer.exe`, cmd: `C:\Windows\Explorer.EXE`, integrity: "Medium"}
	explorer.name = baseName(explorer.image)
	explorer.pid = w.pid()
	explorer.guid = w.guid()
	explorer.tpid = w.falconID()
	explorer.start = w.clock.Add(-time.Duration(2+w.r.IntN(5)) * time.Hour)
	parents := map[string]*proc{}
	for _, r := range sc.Running {
		var parent *proc
		pi := w.expand(r.ParentImage)
		if pi == "" || strings.EqualFold(pi, explorer.image) {
			parent = explorer
		} else if p, ok := parents[strings.ToLower(pi)]; ok {
			parent = p
		} else {
			parent = &proc{image: pi, name: baseName(pi), cmd: `"` + pi + `"`, pid: w.pid(), guid: w.guid(), tpid: w.falconID(), integrity: "Medium", start: explorer.start.Add(time.Minute)}
			parent.parent = explorer
			parents[strings.ToLower(pi)] = parent
		}
		p := &proc{id: r.ID, image: w.expand(r.Image), cmd: w.expand(r.CommandLine), parent: parent, integrity: "Medium"}
		p.name = baseName(p.image)
		if p.cmd == "" {
			p.cmd = `"` + p.image + `"`
		}
		p.pid = w.pid()
		p.guid = w.guid()
		p.tpid = w.falconID()
		p.start = w.clock.Add(-time.Duration(60+w.r.IntN(3000)) * time.Second)
		procs[r.ID] = p
	}
	for _, st := range sc.Steps {
		t := w.advance()
		r := &rec{t: t, tid: w.falconID(), evID: w.uuid()}
		switch {
		case st.Process != nil:
			s := st.Process
			p := &proc{id: s.ID, image: w.expand(s.Image), cmd: w.expand(s.CommandLine), logged: true, start: t}
			p.name = baseName(p.image)
			p.parent = procs[s.Parent]
			if p.parent == nil {
				p.parent = explorer
			}
			p.integrity = "Medium"
			if s.Integrity != "" {
				p.integrity = strings.ToUpper(s.Integrity[:1]) + strings.ToLower(s.Integrity[1:])
			}
			p.pid = w.pid()
			p.guid = w.guid()
			p.tpid = w.falconID()
			if s.ID != "" {
				procs[s.ID] = p
			}
			r.kind, r.p = procStart, p
		case st.File != nil:
			r.kind, r.p = fileCreate, procs[st.File.Process]
			r.path = w.expand(st.File.Path)
			r.size = st.File.Size
			if r.size == 0 {
				r.size = 200 + w.r.IntN(60_000)
			}
		case st.Network != nil:
			n := st.Network
			r.kind, r.p = netConnect, procs[n.Process]
			r.remoteIP, r.port, r.hostname = n.RemoteIP, n.RemotePort, n.Hostname
			r.protocol = strings.ToLower(n.Protocol)
			if r.protocol == "" {
				r.protocol = "tcp"
			}
			r.localPort = 49152 + w.r.IntN(16000)
		}
		tl.recs = append(tl.recs, r)
		tl.vols = append(tl.vols, sc.Volumes)
	}
	// the next test starts a little later
	w.clock = w.clock.Add(time.Duration(30+w.r.IntN(300)) * time.Second)
}

// devicePath turns C:\x into Falcon's \Device\HarddiskVolume3\x, using the
// scenario's volumes for other drive letters.
func devicePath(p string, vols map[string]string) string {
	if len(p) < 3 || p[1] != ':' || p[2] != '\\' {
		return p
	}
	drive := strings.ToUpper(p[:2])
	dev := ""
	for _, k := range sortedKeys(vols) {
		if strings.EqualFold(k, drive) {
			dev = vols[k]
		}
	}
	if dev == "" {
		switch drive {
		case "C:":
			dev = `\Device\HarddiskVolume3`
		default:
			dev = `\Device\HarddiskVolume` + strconv.Itoa(int(drive[0]-'C')+3)
		}
	}
	return strings.TrimRight(dev, `\`) + p[2:]
}

// hashes of a file are fixed functions of its path.
func hashes(p string) (sha256hex, sha1hex, md5hex string) {
	key := []byte("lanner-simulate|" + strings.ToLower(p))
	a := sha256.Sum256(key)
	b := sha1.Sum(key)
	c := md5.Sum(key)
	return hex.EncodeToString(a[:]), hex.EncodeToString(b[:]), hex.EncodeToString(c[:])
}

func imphash(p string) string {
	s := md5.Sum([]byte("lanner-imphash|" + strings.ToLower(p)))
	return hex.EncodeToString(s[:])
}

// versionInfo is what a PE's version resource says.
type versionInfo struct {
	FileVersion, Description, Product, Company, OriginalFileName string
}

var knownImages = map[string]versionInfo{
	"powershell.exe": {"10.0.19041.3996 (WinBuild.160101.0800)", "Windows PowerShell", "Microsoft® Windows® Operating System", "Microsoft Corporation", "PowerShell.EXE"},
	"pwsh.exe":       {"7.4.6.500", "pwsh", "PowerShell", "Microsoft Corporation", "pwsh.dll"},
	"cmd.exe":        {"10.0.19041.4355 (WinBuild.160101.0800)", "Windows Command Processor", "Microsoft® Windows® Operating System", "Microsoft Corporation", "Cmd.Exe"},
	"wscript.exe":    {"5.812.10240.16384", "Microsoft ® Windows Based Script Host", "Microsoft ® Windows Script Host", "Microsoft Corporation", "wscript.exe"},
	"cscript.exe":    {"5.812.10240.16384", "Microsoft ® Console Based Script Host", "Microsoft ® Windows Script Host", "Microsoft Corporation", "cscript.exe"},
	"mshta.exe":      {"11.00.19041.4355 (WinBuild.160101.0800)", "Microsoft (R) HTML Application host", "Internet Explorer", "Microsoft Corporation", "MSHTA.EXE"},
	"explorer.exe":   {"10.0.19041.4355 (WinBuild.160101.0800)", "Windows Explorer", "Microsoft® Windows® Operating System", "Microsoft Corporation", "EXPLORER.EXE"},
	"msedge.exe":     {"122.0.2365.80", "Microsoft Edge", "Microsoft Edge", "Microsoft Corporation", "msedge.exe"},
	"chrome.exe":     {"122.0.6261.129", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe"},
	"firefox.exe":    {"123.0.1", "Firefox", "Firefox", "Mozilla Corporation", "firefox.exe"},
	"certutil.exe":   {"10.0.19041.4355 (WinBuild.160101.0800)", "CertUtil.exe", "Microsoft® Windows® Operating System", "Microsoft Corporation", "CertUtil.exe"},
	"rundll32.exe":   {"10.0.19041.3636 (WinBuild.160101.0800)", "Windows host process (Rundll32)", "Microsoft® Windows® Operating System", "Microsoft Corporation", "RUNDLL32.EXE"},
}

func version(name string) (versionInfo, bool) {
	v, ok := knownImages[strings.ToLower(name)]
	return v, ok
}

// ms is epoch milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// falconSecs is Falcon's "seconds.mmm".
func falconSecs(t time.Time) string {
	m := t.UnixMilli()
	return fmt.Sprintf("%d.%03d", m/1000, m%1000)
}
