package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// winEvent is one Windows event log record, rendered either as event XML
// (as wevtutil prints it) or as the JSON of Rust evtx_dump.
type winEvent struct {
	provider, providerGUID string // GUID without braces
	eventID, version       int
	level, task, opcode    int
	keywords               string
	created                time.Time
	recordID               int64
	execPID, execTID       int
	channel, computer      string
	userID                 string // Security/@UserID, "" for none
	data                   []datum
}

type datumKind int

const (
	dStr datumKind = iota
	dNum
	dBool
)

type datum struct {
	name, value string
	kind        datumKind
}

func (e *winEvent) s(name, v string)     { e.data = append(e.data, datum{name, v, dStr}) }
func (e *winEvent) n(name string, v int) { e.data = append(e.data, datum{name, strconv.Itoa(v), dNum}) }
func (e *winEvent) b(name string, v bool) {
	e.data = append(e.data, datum{name, strconv.FormatBool(v), dBool})
}

const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

func (e *winEvent) json() []byte {
	prov := newObj().object("#attributes", newObj().str("Name", e.provider).str("Guid", e.providerGUID))
	sys := newObj().object("Provider", prov)
	sys.num("EventID", int64(e.eventID)).num("Version", int64(e.version)).num("Level", int64(e.level))
	sys.num("Task", int64(e.task)).num("Opcode", int64(e.opcode)).str("Keywords", e.keywords)
	sys.object("TimeCreated", newObj().object("#attributes", newObj().str("SystemTime", e.created.UTC().Format("2006-01-02T15:04:05.000000Z"))))
	sys.num("EventRecordID", e.recordID)
	sys.null("Correlation")
	sys.object("Execution", newObj().object("#attributes", newObj().num("ProcessID", int64(e.execPID)).num("ThreadID", int64(e.execTID))))
	sys.str("Channel", e.channel).str("Computer", e.computer)
	if e.userID != "" {
		sys.object("Security", newObj().object("#attributes", newObj().str("UserID", e.userID)))
	} else {
		sys.null("Security")
	}
	data := newObj()
	for _, d := range e.data {
		switch d.kind {
		case dNum:
			v, _ := strconv.ParseInt(d.value, 10, 64)
			data.num(d.name, v)
		case dBool:
			data.boolean(d.name, d.value == "true")
		default:
			data.str(d.name, d.value)
		}
	}
	ev := newObj().object("#attributes", newObj().str("xmlns", eventNS)).object("System", sys).object("EventData", data)
	return newObj().object("Event", ev).bytes()
}

var xmlEsc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func (e *winEvent) xml() []byte {
	var b strings.Builder
	b.WriteString(`<Event xmlns="` + eventNS + `"><System>`)
	fmt.Fprintf(&b, `<Provider Name="%s" Guid="{%s}"/>`, xmlEsc.Replace(e.provider), e.providerGUID)
	fmt.Fprintf(&b, `<EventID>%d</EventID><Version>%d</Version><Level>%d</Level><Task>%d</Task><Opcode>%d</Opcode><Keywords>%s</Keywords>`,
		e.eventID, e.version, e.level, e.task, e.opcode, e.keywords)
	fmt.Fprintf(&b, `<TimeCreated SystemTime="%s"/>`, e.created.UTC().Format("2006-01-02T15:04:05.0000000Z"))
	fmt.Fprintf(&b, `<EventRecordID>%d</EventRecordID><Correlation/>`, e.recordID)
	fmt.Fprintf(&b, `<Execution ProcessID="%d" ThreadID="%d"/>`, e.execPID, e.execTID)
	fmt.Fprintf(&b, `<Channel>%s</Channel><Computer>%s</Computer>`, xmlEsc.Replace(e.channel), xmlEsc.Replace(e.computer))
	if e.userID != "" {
		fmt.Fprintf(&b, `<Security UserID="%s"/>`, e.userID)
	} else {
		b.WriteString(`<Security/>`)
	}
	b.WriteString(`</System><EventData>`)
	for _, d := range e.data {
		if d.value == "" {
			fmt.Fprintf(&b, `<Data Name="%s"/>`, d.name)
			continue
		}
		fmt.Fprintf(&b, `<Data Name="%s">%s</Data>`, d.name, xmlEsc.Replace(d.value))
	}
	b.WriteString(`</EventData></Event>`)
	return []byte(b.String())
}

// ---- Sysmon -----------------------------------------------------------

const (
	sysmonProvider = "Microsoft-Windows-Sysmon"
	sysmonGUID     = "5770385F-C22A-43E0-BF4C-06F5698FFBD9"
	sysmonChannel  = "Microsoft-Windows-Sysmon/Operational"
)

func sysmonTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

func (w *world) userName(p *proc) string {
	if p.integrity == "System" {
		return `NT AUTHORITY\SYSTEM`
	}
	return w.domain + `\` + w.user
}

func (w *world) sysmonHead(id, version int, t time.Time) *winEvent {
	w.sysmonRec++
	return &winEvent{
		provider: sysmonProvider, providerGUID: sysmonGUID,
		eventID: id, version: version, level: 4, task: id, opcode: 0,
		keywords: "0x8000000000000000",
		created:  t.Add(time.Duration(3+w.r.IntN(40)) * time.Millisecond).Add(time.Duration(w.r.IntN(1000)) * time.Microsecond),
		recordID: w.sysmonRec, execPID: w.sysmonPID, execTID: w.sysmonTID,
		channel: sysmonChannel, computer: w.fqdn, userID: "S-1-5-18",
	}
}

func sysmonHashes(image string) string {
	s256, s1, m5 := hashes(image)
	return strings.ToUpper(fmt.Sprintf("SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s", s1, m5, s256, imphash(image)))
}

func curDir(w *world, p *proc) string {
	if len(p.image) > 2 && p.image[1] == ':' && !strings.EqualFold(p.image[:2], "C:") {
		return p.image[:3]
	}
	return `C:\Users\` + w.user + `\`
}

func sysmonEvents(tl *timeline) []*winEvent {
	w := tl.w
	var out []*winEvent
	for _, r := range tl.recs {
		switch r.kind {
		case procStart:
			p := r.p
			e := w.sysmonHead(1, 5, r.t)
			e.s("RuleName", "-")
			e.s("UtcTime", sysmonTime(r.t))
			e.s("ProcessGuid", p.guid)
			e.n("ProcessId", p.pid)
			e.s("Image", p.image)
			v, ok := version(p.name)
			if !ok {
				v = versionInfo{"-", "-", "-", "-", "-"}
			}
			e.s("FileVersion", v.FileVersion)
			e.s("Description", v.Description)
			e.s("Product", v.Product)
			e.s("Company", v.Company)
			e.s("OriginalFileName", v.OriginalFileName)
			e.s("CommandLine", p.cmd)
			e.s("CurrentDirectory", curDir(w, p))
			e.s("User", w.userName(p))
			e.s("LogonGuid", w.logonGUID)
			e.s("LogonId", fmt.Sprintf("0x%x", w.logonID))
			e.n("TerminalSessionId", 1)
			e.s("IntegrityLevel", p.integrity)
			e.s("Hashes", sysmonHashes(p.image))
			e.s("ParentProcessGuid", p.parent.guid)
			e.n("ParentProcessId", p.parent.pid)
			e.s("ParentImage", p.parent.image)
			e.s("ParentCommandLine", p.parent.cmd)
			e.s("ParentUser", w.userName(p.parent))
			out = append(out, e)
		case fileCreate:
			e := w.sysmonHead(11, 2, r.t)
			e.s("RuleName", "-")
			e.s("UtcTime", sysmonTime(r.t))
			e.s("ProcessGuid", r.p.guid)
			e.n("ProcessId", r.p.pid)
			e.s("Image", r.p.image)
			e.s("TargetFilename", r.path)
			e.s("CreationUtcTime", sysmonTime(r.t))
			e.s("User", w.userName(r.p))
			out = append(out, e)
		case netConnect:
			e := w.sysmonHead(3, 5, r.t)
			e.s("RuleName", "-")
			e.s("UtcTime", sysmonTime(r.t))
			e.s("ProcessGuid", r.p.guid)
			e.n("ProcessId", r.p.pid)
			e.s("Image", r.p.image)
			e.s("User", w.userName(r.p))
			e.s("Protocol", r.protocol)
			e.b("Initiated", true)
			e.b("SourceIsIpv6", false)
			e.s("SourceIp", w.localIP)
			e.s("SourceHostname", w.fqdn)
			e.n("SourcePort", r.localPort)
			e.s("SourcePortName", "-")
			e.b("DestinationIsIpv6", false)
			e.s("DestinationIp", r.remoteIP)
			dh := r.hostname
			if dh == "" {
				dh = "-"
			}
			e.s("DestinationHostname", dh)
			e.n("DestinationPort", r.port)
			pn := "-"
			switch r.port {
			case 80:
				pn = "http"
			case 443:
				pn = "https"
			}
			e.s("DestinationPortName", pn)
			out = append(out, e)
		}
	}
	return out
}

// ---- Security 4688 ----------------------------------------------------

func securityEvents(tl *timeline) []*winEvent {
	w := tl.w
	var out []*winEvent
	for _, r := range tl.recs {
		if r.kind != procStart {
			continue // the Security log has no file or network records here
		}
		p := r.p
		w.secRec++
		e := &winEvent{
			provider: "Microsoft-Windows-Security-Auditing", providerGUID: "54849625-5478-4994-A5BA-3E3B0328C30D",
			eventID: 4688, version: 2, level: 0, task: 13312, opcode: 0,
			keywords: "0x8020000000000000",
			created:  r.t.Add(time.Duration(w.r.IntN(900)) * time.Microsecond),
			recordID: w.secRec, execPID: 4, execTID: 4 * (20 + w.r.IntN(400)),
			channel: "Security", computer: w.fqdn,
		}
		sid, name, dom, logon := w.userSID, w.user, w.domain, fmt.Sprintf("0x%x", w.logonID)
		elev, label := "%%1938", "S-1-16-8192"
		switch p.integrity {
		case "System":
			sid, name, dom, logon = "S-1-5-18", strings.ToUpper(w.host)+"$", w.domain, "0x3e7"
			elev, label = "%%1936", "S-1-16-16384"
		case "High":
			elev, label = "%%1937", "S-1-16-12288"
		case "Low":
			label = "S-1-16-4096"
		}
		e.s("SubjectUserSid", sid)
		e.s("SubjectUserName", name)
		e.s("SubjectDomainName", dom)
		e.s("SubjectLogonId", logon)
		e.s("NewProcessId", fmt.Sprintf("0x%x", p.pid))
		e.s("NewProcessName", p.image)
		e.s("TokenElevationType", elev)
		e.s("ProcessId", fmt.Sprintf("0x%x", p.parent.pid))
		e.s("CommandLine", p.cmd)
		e.s("TargetUserSid", "S-1-0-0")
		e.s("TargetUserName", "-")
		e.s("TargetDomainName", "-")
		e.s("TargetLogonId", "0x0")
		e.s("ParentProcessName", p.parent.image)
		e.s("MandatoryLabel", label)
		out = append(out, e)
	}
	return out
}
