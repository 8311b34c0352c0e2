package gen

import (
	"strconv"
	"strings"
)

// cg writes the events of one chunk.
type cg struct {
	w    *world
	r    rng
	b    []byte
	v    int // JSON spelling (see esc2)
	mode int // 0: event_simpleName only (FDR); 1: #event_simpleName only (LogScale); 2: both
	h    *host
	u    *user
	ts   uint64
}

func (w *world) fill(ch *chunk, seed uint64, idx int64) {
	c := cg{w: w, r: rng{s: splitmix(seed ^ splitmix(uint64(idx)+0x9e37))}, b: ch.buf[:0]}
	ch.ends, ch.flags = ch.ends[:0], ch.flags[:0]
	for k := int64(0); k < chunkEvents; k++ {
		f := c.event(idx*chunkEvents + k)
		ch.ends = append(ch.ends, int32(len(c.b)))
		ch.flags = append(ch.flags, f)
	}
	ch.buf = c.b
}

// timestamp of event i: unique, increasing by 16 ms on average, shuffled within blocks of 64
// events (delivery is not in time order).
func timestamp(i int64, jitter uint64) uint64 {
	block, j := uint64(i)/64, uint64(i)%64
	return BaseMillis + 16*(block*64+(j*37+11)%64) + jitter%16
}

// ---- field writers

func (c *cg) key(k string) {
	c.b = append(c.b, '"')
	c.b = append(c.b, k...)
	c.b = append(c.b, '"', ':', '"')
}
func (c *cg) end()                   { c.b = append(c.b, '"', ',') }
func (c *cg) str(k, v string)        { c.key(k); c.b = append(c.b, v...); c.end() }
func (c *cg) esc(k string, v esc2)   { c.str(k, v[c.v]) }
func (c *cg) num(k string, x uint64) { c.key(k); c.b = strconv.AppendUint(c.b, x, 10); c.end() }
func (c *cg) hex(k string, n int)    { c.key(k); c.appendHex(n); c.end() }
func (c *cg) tpl(k string, t tmpl)   { c.key(k); c.expand(t); c.end() }
func (c *cg) secs(k string, ms uint64) {
	c.key(k)
	c.appendSecs(ms)
	c.end()
}

func (c *cg) appendSecs(ms uint64) {
	c.b = strconv.AppendUint(c.b, ms/1000, 10)
	c.b = append(c.b, '.', byte('0'+ms/100%10), byte('0'+ms/10%10), byte('0'+ms%10))
}

func (c *cg) appendHex(n int) {
	for n > 0 {
		x := c.r.next()
		for k := 0; k < 16 && n > 0; k++ {
			c.b = append(c.b, hexdigits[x&15])
			x >>= 4
			n--
		}
	}
}

func (c *cg) appendIP(prefix string) {
	c.b = append(c.b, prefix...)
	c.b = strconv.AppendUint(c.b, uint64(c.r.intn(254)+1), 10)
}

// expand appends a template with its placeholders filled.
func (c *cg) expand(t tmpl) {
	for _, s := range t {
		c.b = append(c.b, s.lit[c.v]...)
		switch s.ph {
		case phNone:
		case phN:
			c.b = strconv.AppendUint(c.b, uint64(c.r.intn(99999)+1), 10)
		case phNN:
			c.b = strconv.AppendUint(c.b, 1000000000+c.r.next()%9000000000, 10)
		case phH5:
			c.appendHex(5)
		case phH8:
			c.appendHex(8)
		case phH16:
			c.appendHex(16)
		case phH32:
			c.appendHex(32)
		case phGUID:
			x, y := c.r.next(), c.r.next()
			for k := 0; k < 32; k++ {
				if k == 8 || k == 12 || k == 16 || k == 20 {
					c.b = append(c.b, '-')
				}
				c.b = append(c.b, "0123456789ABCDEF"[x&15])
				x >>= 4
				if k == 15 {
					x = y
				}
			}
		case phUSER:
			c.b = append(c.b, c.u.profile[c.v]...)
		case phURL:
			c.b = append(c.b, c.w.urls[c.r.intn(len(c.w.urls))][c.v]...)
		case phIP:
			c.appendIP("198.51.100.")
		case phB64:
			c.b = append(c.b, c.w.b64[c.r.intn(len(c.w.b64))][c.v]...)
		case phFILE:
			c.b = append(c.b, c.w.files[c.r.intn(len(c.w.files))][c.v]...)
		case phDOM:
			c.b = append(c.b, c.w.lureDoms[c.r.intn(len(c.w.lureDoms))]...)
		}
	}
}

// head and body give the tag to write as #event_simpleName (leading, as LogScale exports
// have it) and as event_simpleName (among the FDR fields); "" writes none.
func (c *cg) head(tag string) string {
	if c.mode == 0 {
		return ""
	}
	return tag
}

func (c *cg) body(tag string) string {
	if c.mode == 1 {
		return ""
	}
	return tag
}

// headTags writes the LogScale tags that lead an exported event.
func (c *cg) headTags(tag string) {
	if tag != "" {
		c.str("#event_simpleName", tag)
		c.str("#repo", "base_sensor")
	}
}

// tail writes the lower-case FDR fields that end every event (keys in byte order, as FDR has
// them); tag is the event_simpleName, "" for none.
func (c *cg) tail(tag, name string) {
	c.str("aid", c.h.aid)
	c.str("aip", c.h.aip)
	c.str("cid", c.h.cid)
	c.str("event_platform", [3]string{"Win", "Mac", "Lin"}[c.h.plat])
	if tag != "" {
		c.str("event_simpleName", tag)
	}
	c.key("id")
	c.appendHex(8)
	c.b = append(c.b, '-')
	c.appendHex(4)
	c.b = append(c.b, "-11f0-"...)
	c.appendHex(4)
	c.b = append(c.b, '-')
	c.appendHex(12)
	c.end()
	c.str("name", name)
	c.num("timestamp", c.ts)
	c.b[len(c.b)-1] = '}'
	c.b = append(c.b, '\n')
}

func (c *cg) falconPID() uint64 { return 1000000000000 + c.r.next()%9000000000000 }
func (c *cg) osPID() uint64     { return uint64(4 + 4*c.r.intn(16000)) }

// ---- events

func (c *cg) event(i int64) uint8 {
	c.b = append(c.b, '{')
	c.h = &c.w.hosts[c.r.intn(len(c.w.hosts))]
	c.u = &c.w.users[c.h.users[c.r.intn(len(c.h.users))]]
	c.ts = timestamp(i, c.r.next())
	switch x := c.r.intn(100); {
	case x < 45:
		c.mode, c.v = 0, 1
		if x < 9 {
			c.v = 0
		}
	case x < 90:
		c.mode, c.v = 1, 0
	default:
		c.mode, c.v = 2, 0
	}
	x := c.r.intn(1000)
	if c.h.plat != 0 && x >= 500 && x < 970 {
		x = 700 // Mac and Linux hosts: DNS instead of the Windows-only events
	}
	switch {
	case x < 330:
		if c.h.plat != 0 {
			return c.pr2Unix("ProcessRollup2")
		}
		return c.pr2Win(false)
	case x < 380:
		if c.h.plat != 0 {
			c.pr2Unix("SyntheticProcessRollup2")
			return 0
		}
		return c.pr2Win(true)
	case x < 500:
		c.endOfProcess()
	case x < 640:
		c.networkConnect("NetworkConnectIP4")
	case x < 780:
		c.dnsRequest()
	case x < 880:
		c.fileWritten()
	case x < 910:
		c.userLogon()
	case x < 970:
		c.moduleLoad()
	case x < 985:
		c.networkConnect("NetworkListenIP4")
	default:
		c.agentOnline()
	}
	return 0
}

// pr2 scenario
type pr2 struct {
	child, parent int    // proc indexes
	parentName    string // ParentBaseFileName as written (escaped)
	parentCmd     tmpl   // nil: the parent's first benign command line
	imageBase     string // base name in ImageFileName and FileName (escaped)
	cmd           tmpl
	noCmd         bool
	emptyCmd      bool
}

func (c *cg) pr2Win(synthetic bool) uint8 {
	w := c.w
	tag, name, flags := "ProcessRollup2", "ProcessRollup2V19", uint8(flagPR2)
	if synthetic {
		tag, name, flags = "SyntheticProcessRollup2", "SyntheticProcessRollup2V2", 0
	}
	head, body := c.head(tag), c.body(tag)
	var s pr2
	x := c.r.intn(100000)
	if synthetic {
		x = 99999
		if c.r.intn(100) < 3 {
			x = 1125 // a browser starting a LOLBin, but SyntheticProcessRollup2: no match
		}
	}
	switch {
	case x < 1000: // planted match
		flags |= flagMatch
		c.malicious(&s)
		switch y := c.r.intn(1000); {
		case y < 20: // #event_simpleName decides, whatever event_simpleName says
			head, body = "ProcessRollup2", "SyntheticProcessRollup2"
		case y < 30:
			s.emptyCmd = true
		}
	case x < 1060: // browser parent, child not in the list
		c.malicious(&s)
		s.child = w.nearKids[c.r.intn(len(w.nearKids))]
		s.imageBase = w.procs[s.child].base
		s.cmd = w.procs[s.child].cmds[c.r.intn(len(w.procs[s.child].cmds))]
	case x < 1120: // parent not one of the browsers
		c.malicious(&s)
		s.parent = w.nearPars[c.r.intn(len(w.nearPars))]
		s.parentName, s.parentCmd = w.procs[s.parent].base, nil
	case x < 1130: // browser → LOLBin (or synthetic, see above) without CommandLine
		c.malicious(&s)
		s.noCmd = !synthetic
	case x < 1140: // #event_simpleName is not ProcessRollup2, event_simpleName is
		c.malicious(&s)
		head, body, flags = "SyntheticProcessRollup2", "ProcessRollup2", 0
	default:
		s.child = w.benign.pick(&c.r)
		p := &w.procs[s.child]
		s.parent = p.parents[c.r.intn(len(p.parents))]
		s.parentName = w.procs[s.parent].base
		s.imageBase = p.base
		s.cmd = p.cmds[c.r.intn(len(p.cmds))]
		if c.r.intn(3) == 0 {
			c.u = &w.sysUsers[c.r.intn(len(w.sysUsers))]
		}
	}
	c.writePR2(&s, head, body, name, synthetic)
	return flags
}

// malicious fills a planted browser → LOLBin start, with the query's edge cases now and then.
func (c *cg) malicious(s *pr2) {
	w := c.w
	b := &w.browsers[w.browserTab.pick(&c.r)]
	m := &w.mal[w.malTab.pick(&c.r)]
	s.parent, s.child = b.p, m.p
	s.parentName = w.procs[b.p].base
	s.parentCmd = b.cmds[c.r.intn(len(b.cmds))]
	s.cmd = m.cmds[c.r.intn(len(m.cmds))]
	s.imageBase = w.procs[m.p].base
	switch y := c.r.intn(1000); {
	case y < 50:
		s.parentName = b.case2[y&1]
	case y < 100:
		s.imageBase = strings.ToUpper(s.imageBase)
	case y < 130: // an ASCII letter written as a JSON escape
		s.imageBase = `\u00` + strconv.FormatUint(uint64(s.imageBase[0])>>4, 16) + strconv.FormatUint(uint64(s.imageBase[0])&15, 16) + s.imageBase[1:]
	case y < 135 && strings.Contains(s.imageBase, "s"): // U+017F LATIN SMALL LETTER LONG S, which (?i) folds to s
		s.imageBase = strings.Replace(s.imageBase, "s", [2]string{"ſ", `\u017f`}[c.v], 1)
	}
}

func (c *cg) writePR2(s *pr2, head, body, name string, synthetic bool) {
	w := c.w
	p := &w.procs[s.child]
	ls := head != "" // LogScale export: enriched fields
	c.headTags(head)
	c.num("AuthenticationId", 100000+c.r.next()%90000000)
	if !s.noCmd {
		c.key("CommandLine")
		if !s.emptyCmd {
			c.expand(s.cmd)
		}
		c.end()
	}
	if ls {
		c.str("ComputerName", c.h.name)
	}
	c.str("ConfigBuild", c.h.build)
	c.str("ConfigStateHash", c.h.cfgHash)
	if synthetic {
		c.secs("ContextTimeStamp", c.ts-uint64(c.r.intn(400)))
	}
	c.str("EffectiveTransmissionClass", "3")
	c.str("Entitlements", "15")
	if ls && c.r.intn(10) != 0 {
		c.str("FileName", s.imageBase)
		c.key("FilePath")
		c.b = append(c.b, c.h.vol...)
		c.expand(p.dir)
		c.end()
	}
	if ls {
		gp := &w.procs[s.parent]
		c.str("GrandParentBaseFileName", w.procs[gp.parents[c.r.intn(len(gp.parents))]].base)
	}
	c.key("ImageFileName")
	c.b = append(c.b, c.h.vol...)
	c.expand(p.dir)
	c.b = append(c.b, s.imageBase...)
	c.end()
	c.str("ImageSubsystem", "2")
	c.str("IntegrityLevel", [4]string{"8192", "8192", "12288", "16384"}[c.r.intn(4)])
	c.str("MD5HashData", p.md5)
	c.num("ParentAuthenticationId", 100000+c.r.next()%90000000)
	c.str("ParentBaseFileName", s.parentName)
	if ls && c.r.intn(2) == 0 {
		pc := s.parentCmd
		if pc == nil {
			pp := &w.procs[s.parent]
			pc = pp.cmds[0]
		}
		c.tpl("ParentCommandLine", pc)
	}
	ppid := c.falconPID()
	c.num("ParentProcessId", ppid)
	c.num("ProcessCreateFlags", [3]uint64{525332, 1028, 16778244}[c.r.intn(3)])
	c.str("ProcessEndTime", "")
	c.str("ProcessParameterFlags", "16385")
	c.secs("ProcessStartTime", c.ts-uint64(c.r.intn(2000)))
	if !ls {
		c.str("ProcessSxsFlags", "1600")
	}
	c.num("RawProcessId", c.osPID())
	if !ls {
		c.num("RpcClientProcessId", ppid)
	}
	c.str("SHA1HashData", "0000000000000000000000000000000000000000")
	c.str("SHA256HashData", p.sha256)
	c.num("SessionId", uint64(c.r.intn(3)))
	c.num("SourceProcessId", ppid)
	c.num("SourceThreadId", c.falconPID()*7)
	if synthetic {
		c.str("SyntheticPR2Flags", "8")
	}
	c.key("Tags")
	c.b = append(c.b, "41, "...)
	c.b = strconv.AppendUint(c.b, c.falconPID()*9, 10)
	c.b = append(c.b, ", "...)
	c.b = strconv.AppendUint(c.b, c.falconPID()*9, 10)
	c.end()
	c.num("TargetProcessId", c.falconPID())
	c.str("TokenType", [2]string{"1", "2"}[c.r.intn(2)])
	if ls {
		c.esc("UserName", c.u.name)
	}
	c.str("UserSid", c.u.sid)
	if !ls {
		c.str("WindowFlags", "128")
	}
	c.tail(body, name)
}

func (c *cg) pr2Unix(tag string) uint8 {
	var u *unixProc
	for {
		u = &c.w.unix[c.r.intn(len(c.w.unix))]
		if u.mac == (c.h.plat == 1) {
			break
		}
	}
	ls := c.mode != 0
	c.headTags(c.head(tag))
	c.tpl("CommandLine", u.cmd)
	if ls {
		c.str("ComputerName", c.h.name)
	}
	c.str("ConfigBuild", c.h.build)
	c.str("ConfigStateHash", c.h.cfgHash)
	c.secs("ContextTimeStamp", c.ts-uint64(c.r.intn(400)))
	c.str("EffectiveTransmissionClass", "2")
	c.str("Entitlements", "15")
	if ls {
		c.esc("FileName", u.base)
		c.esc("FilePath", u.dir)
	}
	uid := uint64(500 + c.r.intn(600))
	c.num("GID", uid)
	c.esc("ImageFileName", u.image)
	c.str("MD5HashData", u.md5)
	c.esc("ParentBaseFileName", u.pbase)
	ppid := c.falconPID()
	c.num("ParentProcessId", ppid)
	c.str("ProcessEndTime", "")
	c.num("ProcessGroupId", c.falconPID())
	c.secs("ProcessStartTime", c.ts-uint64(c.r.intn(2000)))
	c.num("RGID", uid)
	c.num("RUID", uid)
	c.num("RawProcessId", uint64(1000+c.r.intn(90000)))
	c.str("SHA1HashData", "0000000000000000000000000000000000000000")
	c.str("SHA256HashData", u.sha256)
	c.num("SVGID", uid)
	c.num("SVUID", uid)
	c.num("SessionProcessId", c.falconPID())
	c.num("SourceProcessId", ppid)
	c.str("SourceThreadId", "0")
	c.num("TargetProcessId", c.falconPID())
	c.num("UID", uid)
	if ls {
		c.esc("UserName", c.u.name)
	}
	name := "ProcessRollup2LinV6"
	if c.h.plat == 1 {
		name = "ProcessRollup2MacV5"
	}
	if tag != "ProcessRollup2" {
		name = "Synthetic" + name
	}
	c.tail(c.body(tag), name)
	if tag == "ProcessRollup2" {
		return flagPR2
	}
	return 0
}

// context writes the fields that tie an event to the process that caused it.
func (c *cg) context() {
	if c.h.plat == 0 {
		c.str("ContextBaseFileName", c.w.procs[c.w.benign.pick(&c.r)].base)
	}
	c.num("ContextProcessId", c.falconPID())
	c.num("ContextThreadId", c.falconPID()*3)
	c.secs("ContextTimeStamp", c.ts-uint64(c.r.intn(400)))
}

func (c *cg) sensor() {
	c.str("ConfigBuild", c.h.build)
	c.str("ConfigIDBase", "65994763")
	c.str("ConfigIDBuild", c.h.build[9:14])
	c.str("ConfigIDPlatform", "3")
	c.str("ConfigStateHash", c.h.cfgHash)
	c.str("EffectiveTransmissionClass", "3")
	c.str("Entitlements", "15")
}

func (c *cg) endOfProcess() {
	const tag = "EndOfProcess"
	c.headTags(c.head(tag))
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.context()
	c.num("CycleTime", c.r.next()%100000000000)
	c.num("GdiObjectCount", uint64(c.r.intn(2000)))
	c.num("HandleCount", uint64(c.r.intn(5000)))
	c.num("IOReadBytes", c.r.next()%1000000000)
	c.num("IOWriteBytes", c.r.next()%100000000)
	c.num("KernelTime", c.r.next()%10000000)
	c.num("MaxThreadCount", uint64(1+c.r.intn(90)))
	c.num("PageFaultCount", c.r.next()%1000000)
	c.num("PeakVirtualSize", c.r.next()%10000000000)
	c.num("PeakWorkingSetSize", c.r.next()%1000000000)
	c.num("PrivateBytes", c.r.next()%1000000000)
	c.secs("ProcessEndTime", c.ts)
	c.secs("ProcessStartTime", c.ts-uint64(c.r.intn(100000000)))
	c.num("RawProcessId", c.osPID())
	c.num("SessionId", uint64(c.r.intn(3)))
	c.hex("SHA256HashData", 64)
	c.num("TargetProcessId", c.falconPID())
	c.num("UserMemoryBytes", c.r.next()%1000000000)
	c.num("UserTime", c.r.next()%10000000)
	c.str("UserSid", c.u.sid)
	c.tail(c.body(tag), "EndOfProcessV18")
}

func (c *cg) networkConnect(tag string) {
	c.headTags(c.head(tag))
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.str("ConnectionDirection", [2]string{"0", "1"}[c.r.intn(2)])
	c.str("ConnectionFlags", "0")
	c.context()
	c.str("InContext", "0")
	c.str("LocalAddressIP4", c.h.lip)
	c.num("LocalPort", uint64(49152+c.r.intn(16000)))
	c.str("PhysicalAddress", c.h.mac)
	c.str("Protocol", [3]string{"6", "6", "17"}[c.r.intn(3)])
	c.key("RemoteAddressIP4")
	switch c.r.intn(3) {
	case 0:
		c.appendIP("10.20.0.")
	case 1:
		c.appendIP("198.51.100.")
	default:
		c.appendIP("203.0.113.")
	}
	c.end()
	c.num("RemotePort", [6]uint64{443, 443, 443, 80, 53, 445}[c.r.intn(6)])
	c.str("Tags", "25, 27, 40")
	c.tail(c.body(tag), tag+"V5")
}

func (c *cg) dnsRequest() {
	const tag = "DnsRequest"
	c.headTags(c.head(tag))
	c.str("CNAMERecords", "")
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.context()
	c.key("DomainName")
	if c.r.intn(100) == 0 {
		c.b = append(c.b, c.w.lureDoms[c.r.intn(len(c.w.lureDoms))]...)
	} else {
		c.b = append(c.b, c.w.domains[c.r.intn(len(c.w.domains))]...)
	}
	c.end()
	c.str("DualRequest", "0")
	c.key("FirstIP4Record")
	c.appendIP("203.0.113.")
	c.end()
	c.key("IP4Records")
	c.appendIP("203.0.113.")
	c.b = append(c.b, ';')
	c.appendIP("198.51.100.")
	c.b = append(c.b, ';')
	c.end()
	c.num("InterfaceIndex", uint64(c.r.intn(20)))
	c.str("QueryStatus", "0")
	c.str("RequestType", [3]string{"1", "1", "28"}[c.r.intn(3)])
	c.str("Tags", "12, 25")
	c.tail(c.body(tag), "DnsRequestV4")
}

var fileEvents = []string{"NewExecutableWritten", "PeFileWritten", "NewScriptWritten", "ZipFileWritten", "OoxmlFileWritten", "PdfFileWritten"}
var fileExts = []string{".exe", ".dll", ".ps1", ".zip", ".docx", ".pdf"}

func (c *cg) fileWritten() {
	k := c.r.intn(len(fileEvents))
	tag := fileEvents[k]
	c.headTags(c.head(tag))
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.str("ContentBytes", "")
	c.context()
	c.esc("DiskParentDeviceInstanceId", diskIDs)
	c.hex("FileIdentifier", 64)
	c.key("FileName")
	c.b = append(c.b, c.w.files[c.r.intn(len(c.w.files))][c.v]...)
	c.b = append(c.b, fileExts[k]...)
	c.end()
	c.str("IsOnNetwork", "0")
	c.str("IsOnRemovableDisk", "0")
	c.hex("MD5HashData", 32)
	c.hex("SHA256HashData", 64)
	c.num("Size", c.r.next()%50000000)
	c.key("TargetFileName")
	c.b = append(c.b, c.h.vol...)
	c.b = append(c.b, `Users\\`...)
	c.b = append(c.b, c.u.profile[c.v]...)
	c.b = append(c.b, `\\Downloads\\`...)
	c.b = append(c.b, c.w.files[c.r.intn(len(c.w.files))][c.v]...)
	c.b = append(c.b, fileExts[k]...)
	c.end()
	c.str("UserSid", c.u.sid)
	c.tail(c.body(tag), tag+"V6")
}

var diskIDs = esc2{`SCSI\\Disk&Ven_NVMe&Prod_Samsung_SSD_980\\5&2bb2b6d1&0&000000`, `SCSI\\Disk\u0026Ven_NVMe\u0026Prod_Samsung_SSD_980\\5\u00262bb2b6d1\u00260\u0026000000`}

func (c *cg) userLogon() {
	const tag = "UserLogon"
	c.headTags(c.head(tag))
	c.str("AuthenticationId", strconv.FormatUint(100000+c.r.next()%90000000, 10))
	c.str("AuthenticationPackage", [2]string{"Negotiate", "Kerberos"}[c.r.intn(2)])
	c.str("ClientComputerName", c.h.name)
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.secs("ContextTimeStamp", c.ts-uint64(c.r.intn(400)))
	c.str("LogonDomain", "CORP")
	c.str("LogonServer", "DC01")
	c.secs("LogonTime", c.ts-uint64(c.r.intn(4000)))
	c.str("LogonType", [4]string{"2", "3", "10", "11"}[c.r.intn(4)])
	c.secs("PasswordLastSet", c.ts-uint64(c.r.intn(1<<30))*10)
	c.key("RemoteAddressIP4")
	c.appendIP("10.20.1.")
	c.end()
	c.str("SessionId", strconv.Itoa(c.r.intn(4)))
	c.str("UserIsAdmin", [2]string{"0", "1"}[c.r.intn(2)])
	c.str("UserLogonFlags", "0")
	c.esc("UserName", c.u.name)
	c.key("UserPrincipal")
	c.b = append(c.b, c.u.name[c.v]...)
	c.b = append(c.b, "@corp.example"...)
	c.end()
	c.str("UserSid", c.u.sid)
	c.tail(c.body(tag), "UserLogonV10")
}

var dlls = []string{`Windows\\System32\\ntdll.dll`, `Windows\\System32\\kernel32.dll`, `Windows\\System32\\amsi.dll`,
	`Windows\\System32\\wininet.dll`, `Windows\\System32\\clr.dll`, `Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clrjit.dll`,
	`Program Files\\Google\\Chrome\\Application\\131.0.6778.205\\chrome.dll`}

func (c *cg) moduleLoad() {
	const tag = "ClassifiedModuleLoad"
	c.headTags(c.head(tag))
	if c.mode != 0 {
		c.str("ComputerName", c.h.name)
	}
	c.sensor()
	c.context()
	c.key("ImageFileName")
	c.b = append(c.b, c.h.vol...)
	c.b = append(c.b, dlls[c.r.intn(len(dlls))]...)
	c.end()
	c.str("ImageSubsystem", "3")
	c.hex("MD5HashData", 32)
	c.str("ModuleCharacteristics", "8450")
	c.num("ModuleSize", uint64(c.r.intn(5000000)))
	c.hex("SHA1HashData", 40)
	c.hex("SHA256HashData", 64)
	c.num("TargetProcessId", c.falconPID())
	c.tail(c.body(tag), "ClassifiedModuleLoadV2")
}

func (c *cg) agentOnline() {
	const tag = "AgentOnline"
	c.headTags(c.head(tag))
	c.str("AgentLoadFlags", "1")
	c.str("AgentLocalTime", strconv.FormatUint(c.ts/1000, 10))
	c.str("AgentVersion", "7.21.19205.0")
	c.str("BiosManufacturer", "Dell Inc.")
	c.str("BiosVersion", "1.24.0")
	c.str("ChassisType", "Laptop")
	c.str("ComputerName", c.h.name)
	c.sensor()
	c.secs("ContextTimeStamp", c.ts-uint64(c.r.intn(400)))
	c.str("MachineDomain", "corp.example")
	c.str("OU", "Workstations")
	c.str("PlatformId", "18")
	c.str("ProductType", "1")
	c.str("SystemManufacturer", "Dell Inc.")
	c.str("SystemProductName", "Latitude 7440")
	c.tail(c.body(tag), "AgentOnlineV8")
}
