package normalize

import (
	"time"

	"github.com/lanner-dev/lanner/event"
)

// NXLog im_msvistalog JSON carries the EventData fields at the top level
// under their Windows names, so Sysmon and 4688 map exactly as from EVTX.
// Its System names differ: Hostname (the computer, often an FQDN),
// SourceName (the provider), EventTime and EventReceivedTime (local time
// of the machine, no zone), and, when shipped through Logstash, @timestamp
// (UTC, the time Logstash received the record).
//
// Time: Sysmon's UtcTime is used where present. Otherwise EventTime is
// local time; its offset from UTC is, in this order:
//  1. the offset learned from earlier records of the same Hostname that
//     carry both UtcTime and EventTime (Sysmon), rounded to 15 minutes;
//  2. the difference between @timestamp and EventReceivedTime (or
//     EventTime), rounded to 15 minutes, when the record has both — right
//     while shipping takes less than 7.5 minutes;
//  3. none: EventTime is taken as UTC.

func nxlogView(e *event.Event) winView {
	v := winView{data: func(n string) opt { return get(e, n) }}
	v.id = get(e, "EventID").v
	v.provider = get(e, "SourceName").or(get(e, "ProviderName")).v
	v.channel = get(e, "Channel").v
	v.computer = get(e, "Hostname").or(get(e, "Computer")).nonEmpty()
	return v
}

const quarterHour = 15 * 60 * 1000

func roundQuarter(ms int64) int64 {
	if ms < 0 {
		return -roundQuarter(-ms)
	}
	return (ms + quarterHour/2) / quarterHour * quarterHour
}

// localMs reads NXLog's "2006-01-02 15:04:05" as if it were UTC.
func localMs(s string) (int64, bool) {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// nxlogTime sets v's time from the record (see the file comment).
func (n *Normalizer) nxlogTime(e *event.Event, v *winView) {
	et, hasET := localMs(get(e, "EventTime").v)
	host := v.computer.v
	if utc := get(e, "UtcTime"); utc.ok && hasET {
		if ms, ok := parseTime(utc.v); ok {
			if n.offsets == nil {
				n.offsets = map[string]int64{}
			}
			if len(n.offsets) < 1<<16 {
				n.offsets[host] = roundQuarter(et - ms)
			}
		}
	}
	if !hasET {
		if t := get(e, "@timestamp"); t.ok {
			v.ms, v.hasMs = parseTime(t.v)
		}
		return
	}
	if off, ok := n.offsets[host]; ok {
		v.ms, v.hasMs = et-off, true
		return
	}
	if t := get(e, "@timestamp"); t.ok {
		if ts, ok := parseTime(t.v); ok {
			ref := et
			if rt, ok := localMs(get(e, "EventReceivedTime").v); ok {
				ref = rt
			}
			if off := roundQuarter(ref - ts); off >= -14*4*quarterHour && off <= 14*4*quarterHour {
				v.ms, v.hasMs = et-off, true
				return
			}
		}
	}
	v.ms, v.hasMs = et, true
}
