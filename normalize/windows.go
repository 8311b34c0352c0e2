package normalize

import (
	"github.com/lanner-dev/lanner/event"
)

// winView is the System part of a Windows event, whichever way it was
// written, and an accessor for its EventData fields by name.
type winView struct {
	id       string
	provider string
	channel  string
	computer opt
	ms       int64 // event time, epoch ms UTC
	hasMs    bool
	data     func(name string) opt
}

const (
	providerSysmon   = "Microsoft-Windows-Sysmon"
	channelSysmon    = "Microsoft-Windows-Sysmon/Operational"
	providerSecurity = "Microsoft-Windows-Security-Auditing"
)

func (v *winView) sysmon() bool {
	return v.provider == providerSysmon || v.channel == channelSysmon
}

func (v *winView) security() bool {
	return v.provider == providerSecurity || v.channel == "Security"
}

// flatView reads the layout of lanner's EVTX reader, shared by event XML
// and evtx_dump JSON: EventID, Provider_Name, Channel, Computer,
// TimeCreated (RFC 3339, UTC) and the EventData fields by name.
func flatView(e *event.Event) winView {
	v := winView{data: func(n string) opt { return get(e, n) }}
	v.id = get(e, "EventID").v
	v.provider = get(e, "Provider_Name").v
	v.channel = get(e, "Channel").v
	v.computer = get(e, "Computer").nonEmpty()
	if t := get(e, "TimeCreated"); t.ok {
		v.ms, v.hasMs = parseTime(t.v)
	}
	return v
}

// eventTime is the time of a Windows event: Sysmon's UtcTime where the
// event has one (UTC, millisecond precision; for a process start, the
// creation time), else the System time.
func (v *winView) eventTime() (int64, bool) {
	if v.sysmon() {
		if t := v.data("UtcTime"); t.ok {
			if ms, ok := parseTime(t.v); ok {
				return ms, true
			}
		}
	}
	return v.ms, v.hasMs
}

func (v *winView) common() common {
	c := common{platform: "Win", computer: v.computer}
	c.ms, c.hasMs = v.eventTime()
	return c
}

// windows maps a Windows event: Sysmon 1, 3 and 11 and Security 4688 to
// their Falcon events; every other event gets ComputerName, timestamp,
// @timestamp and event_platform only.
func (n *Normalizer) windows(e *event.Event, v winView) {
	switch {
	case v.sysmon():
		switch v.id {
		case "1":
			p := sysmonProc(&v)
			n.procs.remember(p.computer.v, p.pid.v, p.image.v, p.cmd)
			p.apply(e)
			return
		case "3":
			c := sysmonConn(&v)
			c.apply(e)
			return
		case "11":
			f := sysmonFile(&v)
			f.apply(e)
			return
		}
		c := v.common()
		if u := v.data("User").nonEmpty(); u.ok {
			c.user = some(userPart(u.v))
		}
		c.apply(e)
		return
	case v.security() && v.id == "4688":
		p := n.security4688(&v)
		p.apply(e)
		return
	}
	c := v.common()
	c.apply(e)
}
