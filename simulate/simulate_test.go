package simulate_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/simulate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func scenarios(t *testing.T) []*simulate.Scenario {
	t.Helper()
	packs, err := detect.BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		if p.ID == "T1204.001" {
			var out []*simulate.Scenario
			for _, a := range p.Atomic {
				sc := a.Scenario
				out = append(out, &sc)
			}
			return out
		}
	}
	t.Fatal("no T1204.001 pack")
	return nil
}

var ext = map[string]string{"falcon": "ndjson", "sysmon": "jsonl", "sysmon-xml": "xml", "security": "xml", "mde": "jsonl"}

// The five atomic tests, seed 1, in every source, byte for byte.
func TestGolden(t *testing.T) {
	scs := scenarios(t)
	for _, src := range simulate.Sources {
		out, err := simulate.Render(scs, src, 1)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "T1204.001-seed1."+src+"."+ext[src])
		if *update {
			if err := os.WriteFile(golden, out.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./simulate -update)", err)
		}
		if !bytes.Equal(out.Data, want) {
			t.Errorf("%s differs from %s (go test ./simulate -update rewrites it)", src, golden)
		}
	}
}

func TestDeterministicPerSeed(t *testing.T) {
	scs := scenarios(t)
	for _, src := range simulate.Sources {
		a, _ := simulate.Render(scs, src, 7)
		b, _ := simulate.Render(scs, src, 7)
		c, _ := simulate.Render(scs, src, 8)
		if !bytes.Equal(a.Data, b.Data) {
			t.Errorf("%s: same seed, different output", src)
		}
		if bytes.Equal(a.Data, c.Data) {
			t.Errorf("%s: different seeds, same output", src)
		}
	}
}

// Each source's output is what its format requires: JSON lines whose values
// are of the right kinds, well-formed event XML with the expected event ids.
func TestFormats(t *testing.T) {
	scs := scenarios(t)
	counts := map[string]int{}
	for _, src := range simulate.Sources {
		out, err := simulate.Render(scs, src, 3)
		if err != nil {
			t.Fatal(err)
		}
		counts[src] = out.Records
		switch src {
		case "falcon", "mde", "sysmon":
			lines := strings.Split(strings.TrimSuffix(string(out.Data), "\n"), "\n")
			if len(lines) != out.Records {
				t.Fatalf("%s: %d lines for %d records", src, len(lines), out.Records)
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("%s: %v: %s", src, err, l)
				}
				switch src {
				case "falcon":
					for k, v := range m {
						if _, ok := v.(string); !ok {
							t.Fatalf("falcon: %s is not a string (FDR values are strings)", k)
						}
					}
					if m["event_simpleName"] == nil || m["timestamp"] == nil || m["aid"] == nil {
						t.Fatalf("falcon: %s", l)
					}
				case "sysmon":
					ev := m["Event"].(map[string]any)
					sys := ev["System"].(map[string]any)
					if sys["Channel"] != "Microsoft-Windows-Sysmon/Operational" {
						t.Fatalf("sysmon: %s", l)
					}
					if id := sys["EventID"].(float64); id != 1 && id != 3 && id != 11 {
						t.Fatalf("sysmon event id %v", id)
					}
				case "mde":
					if m["ActionType"] == nil || m["DeviceName"] == nil || m["Timestamp"] == nil {
						t.Fatalf("mde: %s", l)
					}
				}
			}
		default:
			var doc struct {
				Events []struct {
					System struct {
						EventID int    `xml:"EventID"`
						Channel string `xml:"Channel"`
					} `xml:"System"`
					Data []struct {
						Name  string `xml:"Name,attr"`
						Value string `xml:",chardata"`
					} `xml:"EventData>Data"`
				} `xml:"Event"`
			}
			if err := xml.Unmarshal(out.Data, &doc); err != nil {
				t.Fatalf("%s: not XML: %v", src, err)
			}
			if len(doc.Events) != out.Records {
				t.Fatalf("%s: %d events for %d records", src, len(doc.Events), out.Records)
			}
			for _, e := range doc.Events {
				if src == "security" && (e.System.EventID != 4688 || e.System.Channel != "Security") {
					t.Fatalf("security: %+v", e.System)
				}
				names := map[string]string{}
				for _, d := range e.Data {
					names[d.Name] = d.Value
				}
				if src == "security" && (names["NewProcessName"] == "" || names["ParentProcessName"] == "" || names["CommandLine"] == "") {
					t.Fatalf("4688 lacks fields: %v", names)
				}
				if src == "sysmon-xml" && e.System.EventID == 1 && names["ParentImage"] == "" {
					t.Fatalf("sysmon 1 lacks ParentImage: %v", names)
				}
			}
		}
	}
	// five tests: 5 process starts, 5 file creates, 1 connection (+ its DNS request in Falcon)
	want := map[string]int{"falcon": 12, "sysmon": 11, "sysmon-xml": 11, "security": 5, "mde": 11}
	for src, n := range want {
		if counts[src] != n {
			t.Errorf("%s: %d records, want %d", src, counts[src], n)
		}
	}
}

func TestNotObservable(t *testing.T) {
	sc := &simulate.Scenario{Test: 9, Name: "drop", Running: []simulate.Running{{ID: "p", Image: `C:\x.exe`}},
		Steps: []simulate.Step{{File: &simulate.FileStep{Process: "p", Path: `%TEMP%\a.exe`}}}}
	out, err := simulate.Render([]*simulate.Scenario{sc}, "security", 1)
	if err != nil || out.Records != 0 || len(out.Data) != 0 {
		t.Fatalf("security of a file drop: %v, %d records, %q", err, out.Records, out.Data)
	}
	if _, err := simulate.Render([]*simulate.Scenario{sc}, "syslog", 1); err == nil {
		t.Fatal("unknown source accepted")
	}
}

func TestExpandAndDevicePaths(t *testing.T) {
	sc := &simulate.Scenario{Test: 1, Name: "n", Volumes: map[string]string{"E:": `\Device\CdRom0`},
		Steps: []simulate.Step{
			{Process: &simulate.ProcessStep{ID: "a", Image: `E:\run.exe`, CommandLine: `"E:\run.exe" %TEMP%\x`}},
			{Process: &simulate.ProcessStep{Image: `F:\b.exe`}},
		}}
	out, err := simulate.Render([]*simulate.Scenario{sc}, "falcon", 5)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out.Data)
	for _, want := range []string{`"ImageFileName":"\\Device\\CdRom0\\run.exe"`, `"ImageFileName":"\\Device\\HarddiskVolume6\\b.exe"`, `\\AppData\\Local\\Temp\\x"`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
}
