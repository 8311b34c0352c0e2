// Package normalize maps telemetry of several families onto the Falcon
// field vocabulary, so one query runs over all of them.
//
// Every family keeps its original fields; normalisation only adds the
// Falcon names (FileName, ParentBaseFileName, ComputerName, timestamp, the
// #event_simpleName tag…) that the record lacks. A Falcon name that already
// exists in the record is never overwritten, even when the family gives it
// another meaning (Sysmon's ParentProcessId is an OS PID; MDE's Protocol is
// text); docs/sources.md lists these cases. The one exception is
// @timestamp, which always becomes the event time in epoch milliseconds
// (LogScale's meaning); a different original value is kept as
// @timestamp.original.
//
// One file per family: falcon.go (FDR / LogScale NDJSON), windows.go (the
// System part shared by EVTX, event XML, evtx_dump JSON and NXLog),
// sysmon.go, security.go (4688), nxlog.go, ecs.go (Winlogbeat / Elastic),
// mde.go (Defender for Endpoint advanced hunting).
package normalize

import (
	"strconv"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/event"
)

// Family is a telemetry family: the vocabulary a record is written in.
type Family uint8

const (
	// Unknown lets Normalizer.Event detect the family per record.
	Unknown Family = iota
	// Falcon is CrowdStrike Falcon (FDR or LogScale export).
	Falcon
	// Windows is a Windows event flattened as lanner's EVTX reader does
	// (EventID, Channel, Computer, Provider_Name, TimeCreated and the
	// EventData fields by name): EVTX, event XML, evtx_dump JSON.
	Windows
	// NXLog is NXLog im_msvistalog flat JSON (EventID, Hostname,
	// SourceName, EventTime and the EventData fields at the top level).
	NXLog
	// ECS is Winlogbeat / Elastic Common Schema JSON.
	ECS
	// MDE is Microsoft Defender for Endpoint advanced hunting
	// (DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents).
	MDE
	// Generic is any other record: only the Falcon derivations apply.
	Generic
)

var familyNames = [...]string{"unknown", "falcon", "windows", "nxlog", "ecs", "mde", "generic"}

func (f Family) String() string {
	if int(f) < len(familyNames) {
		return familyNames[f]
	}
	return "family(" + strconv.Itoa(int(f)) + ")"
}

// Detect guesses the family of a flat record from its field names.
func Detect(e *event.Event) Family {
	var winlog, ecsEvent, ecsHost, evID, channel, hostname, computer, action, device, simple bool
	for _, k := range e.Keys {
		switch {
		case k == "event_simpleName" || k == "#event_simpleName":
			simple = true
		case strings.HasPrefix(k, "winlog.") || strings.HasPrefix(k, "ecs."):
			winlog = true
		case strings.HasPrefix(k, "event."):
			ecsEvent = true
		case strings.HasPrefix(k, "host.") || strings.HasPrefix(k, "process."):
			ecsHost = true
		case k == "EventID":
			evID = true
		case k == "Channel" || k == "SourceName" || k == "Provider_Name":
			channel = true
		case k == "Hostname" || k == "EventTime" || k == "SourceModuleType":
			hostname = true
		case k == "Computer":
			computer = true
		case k == "ActionType":
			action = true
		case k == "DeviceName" || k == "DeviceId":
			device = true
		}
	}
	switch {
	case simple:
		return Falcon
	case winlog || ecsEvent && ecsHost:
		return ECS
	case action && device:
		return MDE
	case evID && hostname && !computer:
		return NXLog
	case evID && (channel || computer):
		return Windows
	}
	return Generic
}

// Normalizer normalises records in input order. It keeps the state that
// spans records: the process table that gives 4688 events without a
// ParentProcessName their parent. It is not safe for concurrent use; the
// stateless Falcon path (NDJSON decoded by the engine's workers) uses
// FalconEvent directly.
type Normalizer struct {
	// Lookups fill ComputerName and UserName into Falcon events.
	Lookups *Lookups
	procs   procTable
	offsets map[string]int64 // NXLog Hostname → local time minus UTC, ms
}

// New returns a Normalizer.
func New(lk *Lookups) *Normalizer { return &Normalizer{Lookups: lk} }

// Event normalises e, written in family f (Unknown: detect it), and returns
// the family used. e.NOrig must already count the original fields.
func (n *Normalizer) Event(e *event.Event, f Family) Family {
	if f == Unknown {
		f = Detect(e)
	}
	switch f {
	case Falcon, Generic:
		FalconEvent(e, n.Lookups)
	case Windows:
		n.windows(e, flatView(e))
	case NXLog:
		v := nxlogView(e)
		n.nxlogTime(e, &v)
		n.windows(e, v)
	case ECS:
		n.ecs(e)
	case MDE:
		mde(e)
	}
	return f
}

// ---- helpers shared by the families ----

// add appends a field unless the record already has it.
func add(e *event.Event, k, v string) {
	if _, ok := e.Get(k); !ok {
		e.Keys = append(e.Keys, k)
		e.Vals = append(e.Vals, v)
	}
}

// get returns a field's value.
func get(e *event.Event, k string) opt {
	v, ok := e.Get(k)
	return opt{v, ok}
}

// opt is a value that may be absent.
type opt struct {
	v  string
	ok bool
}

func some(v string) opt { return opt{v, true} }

// or returns o when present, else p.
func (o opt) or(p opt) opt {
	if o.ok {
		return o
	}
	return p
}

// nonEmpty treats "" and "-" (Windows' "no value") as absent.
func (o opt) nonEmpty() opt {
	if o.v == "" || o.v == "-" {
		return opt{}
	}
	return o
}

// baseName is the text after the last \ or /.
func baseName(p string) string {
	return p[strings.LastIndexAny(p, `\/`)+1:]
}

// dirName is the text up to and including the last \ or /, or "" when there
// is none.
func dirName(p string) string {
	return p[:strings.LastIndexAny(p, `\/`)+1]
}

// setTime sets timestamp (epoch ms) and @timestamp. An original @timestamp
// that differs moves to @timestamp.original.
func setTime(e *event.Event, ms int64) {
	s := strconv.FormatInt(ms, 10)
	add(e, "timestamp", s)
	for i, k := range e.Keys {
		if k == "@timestamp" {
			if e.Vals[i] != s {
				orig := e.Vals[i]
				e.Vals[i] = s
				add(e, "@timestamp.original", orig)
			}
			return
		}
	}
	e.Keys = append(e.Keys, "@timestamp")
	e.Vals = append(e.Vals, s)
}

// epochSeconds renders ms as Falcon's "seconds.mmm".
func epochSeconds(ms int64) string {
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	f := strconv.FormatInt(frac, 10)
	return strconv.FormatInt(sec, 10) + "." + strings.Repeat("0", 3-len(f)) + f
}

// time layouts seen in the families, all UTC unless they carry a zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999", // Sysmon UtcTime, python-evtx SystemTime
	"2006-01-02T15:04:05.999999999", // ISO without zone
	"2006-01-02 15:04:05.999999999Z07:00",
	"1/2/2006, 3:04:05.999999999 PM", // Log Analytics / Defender portal CSV
	"1/2/2006 3:04:05.999999999 PM",
	"1/2/2006, 15:04:05.999999999",
}

// parseTime reads a date-time in one of the families' layouts (UTC when no
// zone is given) or an epoch number (seconds, or milliseconds when it has
// 13 or more integer digits) and returns epoch milliseconds.
func parseTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if c := s[0]; c >= '0' && c <= '9' {
		if ms, ok := parseEpoch(s); ok {
			return ms, true
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

func parseEpoch(s string) (int64, bool) {
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 16 {
		return 0, false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, false
	}
	if len(intPart) >= 13 {
		return n, true
	}
	ms := n * 1000
	if frac != "" {
		f := (frac + "000")[:3]
		m, _ := strconv.ParseInt(f, 10, 64)
		ms += m
	}
	return ms, true
}

// decimalID turns a process ID written as decimal or as 0x-hex (4688's
// NewProcessId) into decimal. Other text is returned unchanged.
func decimalID(s string) string {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		if n, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return strconv.FormatUint(n, 10)
		}
	}
	return s
}

// canonicalGUID writes a GUID as {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
// (upper case, braces), as the EVTX reader renders it, whatever the
// source's rendering; other text is returned unchanged.
func canonicalGUID(s string) string {
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return s
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '-' && (i == 8 || i == 13 || i == 18 || i == 23) {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return s
		}
	}
	return "{" + strings.ToUpper(t) + "}"
}

// userPart is the name after DOMAIN\ in DOMAIN\name.
func userPart(s string) string {
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// hashes splits Sysmon's "SHA1=…,MD5=…,SHA256=…,IMPHASH=…" into Falcon's
// *HashData fields (lower-case hex).
func addHashes(e *event.Event, h string) {
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			continue
		}
		switch strings.ToUpper(k) {
		case "SHA256":
			add(e, "SHA256HashData", strings.ToLower(v))
		case "SHA1":
			add(e, "SHA1HashData", strings.ToLower(v))
		case "MD5":
			add(e, "MD5HashData", strings.ToLower(v))
		}
	}
}
