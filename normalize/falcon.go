package normalize

import (
	"strings"

	"github.com/lanner-dev/lanner/event"
)

// Falcon (FDR files, LogScale exports): what LogScale's Falcon parser adds
// to raw FDR events (spec/telemetry.md §1.4):
//   - FileName, when absent, is the last component of ImageFileName (split
//     on \ and /) and FilePath the rest; a present FileName, even empty, is
//     kept;
//   - @timestamp comes from timestamp (epoch milliseconds);
//   - with lookups (FDR's aidmaster and userinfo), ComputerName from aid
//     and UserName from UserSid, where the event lacks them.
//
// Without lookups every derived value is a substring of an original one,
// which keeps the engine's raw-bytes prefilter sound. Filled-in
// ComputerName and UserName are not in the raw line: runs with lookups
// must turn the prefilter off (the CLI does).

// Lookups are the FDR secondary tables.
type Lookups struct {
	// ComputerName by aid (aidmaster).
	ComputerName map[string]string
	// UserName by UserSid (userinfo).
	UserName map[string]string
}

// Empty reports whether the lookups hold nothing.
func (l *Lookups) Empty() bool {
	return l == nil || len(l.ComputerName) == 0 && len(l.UserName) == 0
}

// FalconEvent normalises a Falcon event; lk may be nil. It is safe for
// concurrent use (lk is only read).
func FalconEvent(e *event.Event, lk *Lookups) {
	if _, ok := e.Get("FileName"); !ok {
		if img, ok := e.Get("ImageFileName"); ok {
			i := strings.LastIndexAny(img, `\/`)
			e.Keys = append(e.Keys, "FileName")
			e.Vals = append(e.Vals, img[i+1:])
			if _, has := e.Get("FilePath"); !has && i >= 0 {
				e.Keys = append(e.Keys, "FilePath")
				e.Vals = append(e.Vals, img[:i+1])
			}
		}
	}
	if _, ok := e.Get("@timestamp"); !ok {
		if ts, ok := e.Get("timestamp"); ok {
			e.Keys = append(e.Keys, "@timestamp")
			e.Vals = append(e.Vals, ts)
		}
	}
	if lk == nil {
		return
	}
	if len(lk.ComputerName) > 0 {
		if _, ok := e.Get("ComputerName"); !ok {
			if aid, ok := e.Get("aid"); ok {
				if name, ok := lk.ComputerName[aid]; ok {
					e.Keys = append(e.Keys, "ComputerName")
					e.Vals = append(e.Vals, name)
				}
			}
		}
	}
	if len(lk.UserName) > 0 {
		if _, ok := e.Get("UserName"); !ok {
			if sid, ok := e.Get("UserSid"); ok {
				if name, ok := lk.UserName[sid]; ok {
					e.Keys = append(e.Keys, "UserName")
					e.Vals = append(e.Vals, name)
				}
			}
		}
	}
}

// AddLookupRecord takes one record of an aidmaster or userinfo export
// (flat fields) into the tables and reports whether it held a mapping:
// aid + ComputerName (or hostname) for aidmaster; UserSid_readable or
// UserSid + UserName (else the name part of User) for userinfo.
func (l *Lookups) AddLookupRecord(e *event.Event) bool {
	got := false
	if aid := get(e, "aid").nonEmpty(); aid.ok {
		if name := get(e, "ComputerName").or(get(e, "hostname")).or(get(e, "Hostname")).nonEmpty(); name.ok {
			if l.ComputerName == nil {
				l.ComputerName = map[string]string{}
			}
			l.ComputerName[aid.v] = name.v
			got = true
		}
	}
	if sid := get(e, "UserSid_readable").or(get(e, "UserSid")).nonEmpty(); sid.ok {
		name := get(e, "UserName").nonEmpty()
		if !name.ok {
			if u := get(e, "User").nonEmpty(); u.ok {
				name = some(userPart(u.v))
			}
		}
		if name.ok {
			if l.UserName == nil {
				l.UserName = map[string]string{}
			}
			l.UserName[sid.v] = name.v
			got = true
		}
	}
	return got
}
