package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/event"
)

// OCSFSchemaVersion is the OCSF schema version the findings follow
// (metadata.version).
const OCSFSchemaVersion = "1.5.0"

// OCSF class and category of a Detection Finding.
const (
	ocsfCategoryFindings = 2
	ocsfClassDetection   = 2004
	ocsfActivityCreate   = 1
)

// OCSFOptions tune OCSF output.
type OCSFOptions struct {
	Version string    // lanner's version: metadata.product.version
	Now     time.Time // time of an alert whose event has no timestamp; zero: time.Now()
}

// WriteOCSF writes one OCSF Detection Finding (class 2004) per alert, one
// JSON object per line. Suppressed alerts (SuppressedBy set) get status
// Suppressed and is_alert false.
func WriteOCSF(w io.Writer, alerts []*detect.Alert, opts OCSFOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, a := range alerts {
		if err := enc.Encode(Finding(a, opts)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// obj is a JSON object; encoding/json writes its keys sorted, so the
// output is deterministic.
type obj = map[string]any

var severityNames = map[int]string{1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}

// Finding builds the Detection Finding of an alert.
func Finding(a *detect.Alert, opts OCSFOptions) map[string]any {
	r := a.Rule
	ev := a.Event

	sev := detect.SeverityRank(a.Level)
	ts, ok := eventTime(ev)
	if !ok {
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		ts = now.UnixMilli()
	}
	f := obj{
		"activity_id":   ocsfActivityCreate,
		"activity_name": "Create",
		"category_uid":  ocsfCategoryFindings,
		"category_name": "Findings",
		"class_uid":     ocsfClassDetection,
		"class_name":    "Detection Finding",
		"type_uid":      ocsfClassDetection*100 + ocsfActivityCreate,
		"type_name":     "Detection Finding: Create",
		"severity_id":   sev,
		"severity":      severityNames[sev],
		"time":          ts,
		"is_alert":      a.SuppressedBy == nil,
		"status_id":     1,
		"status":        "New",
		"message":       message(a),
		"confidence_id": confidenceID(r.Confidence),
		"confidence":    capitalize(r.Confidence),
		"metadata":      obj{"version": OCSFSchemaVersion, "product": obj{"name": "lanner", "vendor_name": "lanner", "version": opts.Version}},
		"finding_info":  findingInfo(a, ts),
		"attacks":       attacks(r),
		"evidences":     []any{evidence(ev)},
		"device":        device(ev),
		"unmapped":      unmapped(a),
		"raw_data":      string(ev.Origin.Raw),
		"start_time":    ts,
		"end_time":      ts,
	}
	if len(ev.Origin.Raw) == 0 {
		delete(f, "raw_data")
	}
	if x := a.SuppressedBy; x != nil {
		f["status_id"], f["status"] = 3, "Suppressed"
		f["status_detail"] = "suppressed by exclusion " + x.Name + " (" + x.Source + "): " + strings.TrimSpace(x.Reason)
	}
	return f
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

func confidenceID(c string) int {
	switch strings.ToLower(c) {
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	}
	return 0
}

// eventTime is the event's time in epoch milliseconds.
func eventTime(e *event.Event) (int64, bool) {
	for _, k := range []string{"@timestamp", "timestamp"} {
		if v, ok := e.Get(k); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				if n < 1e11 { // seconds
					n *= 1000
				}
				return n, true
			}
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t.UnixMilli(), true
			}
		}
	}
	return 0, false
}

func message(a *detect.Alert) string {
	get := func(k string) string { v, _ := a.Event.Get(k); return v }
	host := get("ComputerName")
	on := ""
	if host != "" {
		on = " on " + host
	}
	if t := get("TargetFileName"); t != "" && get("CommandLine") == "" {
		who := get("ContextBaseFileName")
		if who == "" {
			who = "a process"
		}
		return a.Rule.Title + ": " + who + " wrote " + t + on + " (" + a.Level + ")"
	}
	if p, c := get("ParentBaseFileName"), get("FileName"); c != "" {
		if p == "" {
			p = "a process"
		}
		return a.Rule.Title + ": " + p + " started " + c + on + " (" + a.Level + ")"
	}
	return a.Rule.Title + on + " (" + a.Level + ")"
}

func findingInfo(a *detect.Alert, ts int64) obj {
	r := a.Rule
	desc := strings.TrimSpace(r.Summary)
	if desc == "" {
		desc = strings.TrimSpace(r.Description)
	}
	fi := obj{
		"uid":   a.UID,
		"title": r.Title,
		"desc":  desc,
		"analytic": obj{
			"uid":     r.ID,
			"name":    r.Title,
			"type_id": 1,
			"type":    "Rule",
		},
		"attacks":         attacks(r),
		"data_sources":    r.DataSources,
		"first_seen_time": ts,
		"last_seen_time":  ts,
		"types":           []string{r.Attack.Most() + " " + nameOf(r.Attack)},
	}
	if r.Attack.Reference != "" {
		fi["src_url"] = r.Attack.Reference
	}
	return fi
}

func nameOf(a detect.Attack) string {
	if a.Subtechnique.ID != "" {
		return a.Subtechnique.Name
	}
	return a.Technique.Name
}

func attacks(r *detect.Rule) []any {
	a := r.Attack
	at := obj{}
	if id := a.TacticID(); id != "" || a.TacticName() != "" {
		t := obj{"uid": id, "name": a.TacticName()}
		if id != "" {
			t["src_url"] = "https://attack.mitre.org/tactics/" + id + "/"
		}
		at["tactic"] = t
	}
	if a.Technique.ID != "" {
		at["technique"] = obj{"uid": a.Technique.ID, "name": a.Technique.Name, "src_url": "https://attack.mitre.org/techniques/" + a.Technique.ID + "/"}
	}
	if a.Subtechnique.ID != "" {
		at["sub_technique"] = obj{"uid": a.Subtechnique.ID, "name": a.Subtechnique.Name, "src_url": "https://attack.mitre.org/techniques/" + strings.ReplaceAll(a.Subtechnique.ID, ".", "/") + "/"}
	}
	return []any{at}
}

// evidence holds the process (for a file event: the process that wrote
// it) with its parent, the device and the user, and the file for file events.
func evidence(e *event.Event) obj {
	get := func(k string) string { v, _ := e.Get(k); return v }
	ev := obj{"device": device(e), "user": user(e)}
	var proc obj
	if t := get("TargetFileName"); t != "" && get("CommandLine") == "" && get("ImageFileName") == "" {
		ev["file"] = fileObj(t, "")
		proc = obj{"name": get("ContextBaseFileName"), "cmd_line": ""}
		if v := get("ContextProcessId"); v != "" {
			proc["uid"] = v
		}
		if v := get("ContextImageFileName"); v != "" {
			proc["file"] = fileObj(v, "")
		}
		proc["parent_process"] = obj{"name": "", "cmd_line": ""}
	} else {
		proc = obj{"name": get("FileName"), "cmd_line": get("CommandLine")}
		if v := get("TargetProcessId"); v != "" {
			proc["uid"] = v
		}
		if pid, ok := parsePID(get("RawProcessId")); ok {
			proc["pid"] = pid
		}
		if img := get("ImageFileName"); img != "" {
			proc["file"] = fileObj(img, get("FileName"))
		}
		if v := get("ProcessStartTime"); v != "" {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				proc["created_time"] = int64(f * 1000)
			}
		}
		parent := obj{"name": get("ParentBaseFileName"), "cmd_line": get("ParentCommandLine")}
		if v := get("ParentProcessId"); v != "" {
			parent["uid"] = v
		}
		proc["parent_process"] = parent
	}
	proc["user"] = user(e)
	ev["process"] = proc
	return ev
}

func parsePID(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseInt(s[2:], 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func fileObj(path, name string) obj {
	if name == "" {
		name = path
		if i := strings.LastIndexAny(path, `\/`); i >= 0 {
			name = path[i+1:]
		}
	}
	return obj{"name": name, "path": path, "type_id": 1, "type": "Regular File"}
}

func device(e *event.Event) obj {
	get := func(k string) string { v, _ := e.Get(k); return v }
	d := obj{"hostname": get("ComputerName"), "type_id": 0, "type": "Unknown"}
	if v := get("aid"); v != "" {
		d["uid"] = v
	}
	switch get("event_platform") {
	case "Win":
		d["os"] = obj{"name": "Windows", "type_id": 100, "type": "Windows"}
	case "Lin":
		d["os"] = obj{"name": "Linux", "type_id": 200, "type": "Linux"}
	case "Mac":
		d["os"] = obj{"name": "macOS", "type_id": 300, "type": "macOS"}
	}
	return d
}

func user(e *event.Event) obj {
	get := func(k string) string { v, _ := e.Get(k); return v }
	name := get("UserName")
	u := obj{"name": name}
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		u["domain"], u["name"] = name[:i], name[i+1:]
	}
	if v := get("UserSid"); v != "" {
		u["uid"] = v
	}
	return u
}

// unmapped keeps what OCSF has no place for: the rule's metadata, the row
// the rule output, every field of the source event and where it was read.
func unmapped(a *detect.Alert) obj {
	r := a.Rule
	rule := obj{
		"id": r.ID, "title": r.Title, "severity": r.Severity, "confidence": r.Confidence,
		"source": r.Source, "level": a.Level,
		"attack": obj{"tactic": r.Attack.TacticID(), "technique": r.Attack.Technique.ID, "subtechnique": r.Attack.Subtechnique.ID, "reference": r.Attack.Reference},
	}
	if r.Status != "" {
		rule["status"] = r.Status
	}
	if len(r.References) > 0 {
		rule["references"] = r.References
	}
	if len(r.FalsePositives) > 0 {
		rule["false_positives"] = r.FalsePositives
	}
	o := a.Event.Origin
	origin := obj{"file": o.File}
	if o.Line > 0 {
		origin["line"] = o.Line
	}
	if o.Record > 0 {
		origin["record"] = o.Record
	}
	if o.Format != "" {
		origin["format"] = o.Format
	}
	return obj{"rule": rule, "row": fields(a.Row), "event": fields(a.Event), "origin": origin}
}

// fields is an event as a JSON object in field order (json.RawMessage keeps
// the order; values are strings).
func fields(e *event.Event) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range e.Keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(AppendString(nil, k))
		b.WriteByte(':')
		b.Write(AppendString(nil, e.Vals[i]))
	}
	b.WriteByte('}')
	return b.Bytes()
}
