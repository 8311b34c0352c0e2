package source

import (
	"archive/zip"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// Tests over the real corpus in ../shared/data (skipped where absent).

// Every EVTX file of the Hayabusa sample set reads without an input error;
// Sysmon 1 and 4688 records become ProcessRollup2 with the Falcon fields.
func TestCorpusEVTX(t *testing.T) {
	skipShort(t)
	dir := sharedtest.Path(t, "data", "evtx", "hayabusa-sample-evtx")
	var paths []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".evtx") {
			paths = append(paths, p)
		}
		return nil
	})
	if len(paths) == 0 {
		t.Skip("no EVTX files")
	}
	res := readPaths(t, Options{}, paths...)
	if len(res.errs) > 0 {
		t.Fatalf("input errors: %v", res.errs[:min(5, len(res.errs))])
	}
	if res.formats["evtx"] < 20000 {
		t.Fatalf("only %d EVTX records from %d files", res.formats["evtx"], len(paths))
	}
	var pr2, sysmon1, s4688, noTime int
	for _, e := range res.events {
		if e.Origin.Format != "evtx" || e.Origin.Record == 0 {
			t.Fatalf("origin %+v", e.Origin)
		}
		if _, ok := e.Get("timestamp"); !ok {
			noTime++
		}
		id, _ := e.Get("EventID")
		ch, _ := e.Get("Channel")
		if id == "1" && ch == "Microsoft-Windows-Sysmon/Operational" {
			sysmon1++
		}
		if id == "4688" && ch == "Security" {
			s4688++
		}
		if v, _ := e.Get("#event_simpleName"); v != "ProcessRollup2" {
			continue
		}
		pr2++
		for _, k := range []string{"FileName", "ImageFileName", "ComputerName", "timestamp", "@timestamp", "event_platform"} {
			if _, ok := e.Get(k); !ok {
				t.Errorf("%s record %d: ProcessRollup2 without %s", e.Origin.File, e.Origin.Record, k)
				break
			}
		}
	}
	if pr2 != sysmon1+s4688 || pr2 < 1000 {
		t.Errorf("%d ProcessRollup2 from %d Sysmon 1 and %d Security 4688", pr2, sysmon1, s4688)
	}
	if noTime > 0 {
		t.Errorf("%d events without timestamp", noTime)
	}
	t.Logf("%d files, %d records, %d ProcessRollup2, %d problems", len(paths), res.formats["evtx"], pr2, len(res.problems))
}

// SigmaHQ's regression cases hold each event as .evtx and as evtx_dump
// JSON: both must give the same Falcon fields, and the same original
// fields but for the renderings the two tools differ in.
func TestCorpusSigmaRegression(t *testing.T) {
	skipShort(t)
	dir := sharedtest.Path(t, "data", "sigmahq", "regression_data")
	var cases []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			cases = append(cases, strings.TrimSuffix(p, ".json"))
		}
		return nil
	})
	if len(cases) < 100 {
		t.Fatalf("%d cases", len(cases))
	}
	origDiff := map[string]int{}
	for _, c := range cases {
		ev := readPaths(t, Options{}, c+".evtx")
		js := readPaths(t, Options{}, c+".json")
		if len(js.problems) > 0 || len(js.errs) > 0 || js.formats["evtx-json"] == 0 {
			t.Errorf("%s.json: formats %v problems %v errors %v", c, js.formats, js.problems, js.errs)
			continue
		}
		if len(ev.events) != len(js.events) {
			// evtx_dump may render fewer records than the file holds.
			t.Logf("%s: %d EVTX records, %d JSON records", filepath.Base(c), len(ev.events), len(js.events))
		}
		// Exported EVTX files renumber their record headers; EventRecordID
		// is the event's own number in both renderings.
		byID := map[string]*event.Event{}
		for _, e := range ev.events {
			byID[get(e, "EventRecordID")] = e
		}
		for _, j := range js.events {
			e := byID[get(j, "EventRecordID")]
			if e == nil {
				t.Errorf("%s: record %s only in the JSON", c, get(j, "EventRecordID"))
				continue
			}
			if a, b := added(e), added(j); a != b {
				t.Errorf("%s record %s: Falcon fields differ:\nevtx %s\njson %s", c, get(j, "EventRecordID"), a, b)
			}
			for _, k := range diffOriginal(e, j) {
				origDiff[k]++
			}
		}
	}
	if len(origDiff) > 0 {
		t.Logf("original fields rendered differently by evtx_dump (count of records): %v", origDiff)
	}
}

// added renders the fields normalisation added, sorted.
func added(e *event.Event) string {
	var out []string
	for i := e.NOrig; i < len(e.Keys); i++ {
		out = append(out, e.Keys[i]+"="+e.Vals[i])
	}
	sort.Strings(out)
	return strings.Join(out, " | ")
}

func diffOriginal(a, b *event.Event) []string {
	var keys []string
	for i := 0; i < a.NOrig; i++ {
		k := a.Keys[i]
		if v, ok := b.Get(k); !ok || v != a.Vals[i] {
			keys = append(keys, k)
		}
	}
	return keys
}

// The OTRF capture: one zip of NXLog JSON (Sysmon and Security, local
// EventTime). Read straight from the zip.
func TestCorpusNXLog(t *testing.T) {
	skipShort(t)
	zp := sharedtest.Path(t, "data", "nxlog", "Security-Datasets", "datasets", "atomic", "windows", "lateral_movement", "host", "covenant_dcom_iertutil_dll_hijack.zip")
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var ins []Input
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		ins = append(ins, Input{Path: f.Name, Reader: rc})
	}
	res := readInputs(t, Options{}, ins...)
	if len(res.errs) > 0 || len(res.problems) > 0 {
		t.Fatalf("errors %v problems %v", res.errs, res.problems[:min(5, len(res.problems))])
	}
	if res.formats["nxlog"] != 37814 {
		t.Fatalf("formats %v", res.formats)
	}
	var pr2, sec, parentsJoined int
	for _, e := range res.events {
		if v, _ := e.Get("#event_simpleName"); v == "ProcessRollup2" {
			pr2++
		}
		ts, ok := e.Get("timestamp")
		if !ok {
			t.Fatalf("record without timestamp: %v", e.Keys)
		}
		// EventTime is local time (UTC-4 in this capture); every
		// timestamp must be 4 hours later, give or take the few seconds
		// Sysmon's UtcTime may lead EventTime by.
		et, _ := e.Get("EventTime")
		local, _ := parseLocal(et)
		ms, _ := strconv.ParseInt(ts, 10, 64)
		if d := ms - local - 4*3600*1000; d < -60000 || d > 60000 {
			t.Fatalf("record %s: timestamp %s vs EventTime %s", get(e, "RecordNumber"), ts, et)
		}
		if get(e, "EventID") == "4688" {
			sec++
			if _, has := e.Get("ParentProcessName"); !has {
				if _, ok := e.Get("ParentBaseFileName"); ok {
					parentsJoined++
				}
			}
		}
	}
	if pr2 != 113 || sec != 35 {
		t.Errorf("%d ProcessRollup2 (want 78 Sysmon 1 + 35 4688), %d 4688", pr2, sec)
	}
	t.Logf("%d 4688 records got their parent from an earlier process start", parentsJoined)
}

func parseLocal(s string) (int64, bool) {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}
