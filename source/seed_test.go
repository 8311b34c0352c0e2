package source

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// The seed rule (rules/T1204.001/query.cql) over real Windows telemetry.

// The three real Sysmon positives of spec/telemetry.md §0.1 (IE lab, 2019),
// with the levels the query gives them. Their files are over the 4 MiB
// limit of the shared copy of hayabusa-sample-evtx, so the test looks for
// them by name anywhere under ../shared/data and skips those it cannot find.
var realPositives = []struct {
	file   string
	record uint64
	child  string
	level  string
}{
	{"exec_driveby_cve-2018-15982_sysmon_1_10.evtx", 839, "cmd.exe", "medium"},
	{"sysmon_mshta_sharpshooter_stageless_meterpreter.evtx", 7648, "mshta.exe", "high"},
	{"sysmon_vbs_sharpshooter_stageless_meterpreter.evtx", 7681, "wscript.exe", "medium"},
}

func TestSeedRealPositives(t *testing.T) {
	root := sharedtest.Path(t, "data")
	found := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found[d.Name()] = p
		}
		return nil
	})
	q := seedQuery(t)
	ran := 0
	for _, c := range realPositives {
		p, ok := found[c.file]
		if !ok {
			t.Logf("%s is not in %s (over the corpus' 4 MiB file limit); not checked", c.file, root)
			continue
		}
		ran++
		rows, _, errs := runQuery(t, q, Options{}, true, mustExpand(t, p)...)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		hit := false
		for _, r := range rows {
			if r.Origin.Record != c.record && get(r, "EventRecordID") != fmt.Sprint(c.record) {
				continue
			}
			hit = true
			if get(r, "ParentBaseFileName") != "iexplore.exe" || !strings.EqualFold(get(r, "FileName"), c.child) || get(r, "suspicion_level") != c.level {
				t.Errorf("%s record %d: %s → %s, level %s; want iexplore.exe → %s, %s", c.file, c.record,
					get(r, "ParentBaseFileName"), get(r, "FileName"), get(r, "suspicion_level"), c.child, c.level)
			}
		}
		if !hit {
			t.Errorf("%s record %d: no alert", c.file, c.record)
		}
	}
	if ran == 0 {
		t.Skip("none of the three real positives is in the shared corpus; the synthetic equivalents are in TestSeedPositivesEveryFormat")
	}
}

// The same three process starts written as Sysmon XML, the format the
// positives would be exported in, with the levels §0.1 derives — including
// the lower-case image of the wscript case and the trailing space of the
// command lines.
func TestSeedPositivesEveryFormat(t *testing.T) {
	mk := func(id, image, cmd string) string {
		ev := strings.ReplaceAll(xmlEvent, "%ID%", id)
		ev = strings.Replace(ev, `C:\Windows\System32\cmd.exe`, image, 1)
		ev = strings.Replace(ev, `cmd /c "a &amp; b" &lt;x&gt; &#x41;&#66;`, cmd, 1)
		return strings.Replace(ev, `C:\x\msedge.exe`, `C:\Program Files\Internet Explorer\iexplore.exe`, 1)
	}
	in := mk("839", `C:\Windows\System32\cmd.exe`, "cmd.exe") +
		mk("7648", `C:\Windows\System32\mshta.exe`, `&quot;C:\Windows\System32\mshta.exe&quot; &quot;C:\Users\IEUser\AppData\Local\Temp\update.hta&quot; `) +
		mk("7681", `C:\Windows\System32\wscript.exe`, `&quot;C:\Windows\System32\WScript.exe&quot; &quot;C:\Users\IEUser\AppData\Local\Temp\updatevbs.vbs&quot; `)
	rows, _, _ := runQuery(t, seedQuery(t), Options{}, true, Input{Path: "ie.xml", Reader: strings.NewReader(in)})
	got := map[uint64]string{}
	for _, r := range rows {
		got[r.Origin.Record] = get(r, "FileName") + " " + get(r, "suspicion_level")
	}
	for _, c := range realPositives {
		if want := c.child + " " + c.level; got[c.record] != want {
			t.Errorf("record %d: %q, want %q", c.record, got[c.record], want)
		}
	}
}

// The near-miss negatives of the corpus (browser → browser, browser →
// calc/notepad, cmd → browser, LOLBins under other parents) raise nothing.
func TestSeedSilentOnCorpus(t *testing.T) {
	skipShort(t)
	var paths []string
	for _, d := range [][]string{{"data", "evtx"}, {"data", "sigmahq", "regression_data"}} {
		paths = append(paths, sharedtest.Path(t, d...))
	}
	// One pass, two programs: the seed rule, and the browser-parent starts
	// it must see (so that its silence is the query's, not a reading gap).
	seed, err := engine.CompileString(seedQuery(t), cql.Options{}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	browsers, err := engine.CompileString(`#event_simpleName=ProcessRollup2 | ParentBaseFileName=/(?i)^(chrome|msedge|firefox|iexplore)\.exe$/`, cql.Options{}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd := NewReader(Options{})
	out := make(chan *engine.Batch, 4)
	go rd.Run(context.Background(), mustExpand(t, paths...), out)
	alerts, near := &engine.Collect{}, &engine.Collect{}
	stats, err := engine.RunAll(context.Background(), []*engine.Program{seed, browsers}, out, NewNDJSONDecoder, engine.RunOptions{}, []engine.Sink{alerts, near})
	if err != nil || len(rd.Errors) > 0 {
		t.Fatal(err, rd.Errors)
	}
	for _, r := range alerts.Rows {
		t.Errorf("alert on %s record %d: %s → %s (%s)", r.Origin.File, r.Origin.Record, get(r, "ParentBaseFileName"), get(r, "FileName"), get(r, "suspicion_level"))
	}
	if stats[0].PerFormat["evtx"] < 20000 {
		t.Errorf("records per format: %v", stats[0].PerFormat)
	}
	if len(near.Rows) < 5 {
		t.Errorf("only %d browser-parent process starts found", len(near.Rows))
	}
}
