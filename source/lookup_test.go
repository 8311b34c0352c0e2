package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFalconLookups(t *testing.T) {
	dir := t.TempDir()
	aid := filepath.Join(dir, "aidmaster.csv")
	os.WriteFile(aid, []byte("aid,ComputerName,MachineDomain\nffff0001,HOST-ONE,corp\nffff0002,HOST-TWO,corp\n"), 0o644)
	ui := filepath.Join(dir, "userinfo.json")
	os.WriteFile(ui, []byte(`{"UserSid_readable":"S-1-5-21-1-1001","UserName":"alice","cid":"c"}`+"\n"+`{"UserSid_readable":"S-1-5-21-1-1002","User":"CORP\\bob"}`+"\n"), 0o644)
	lk, err := LoadLookups(aid, ui)
	if err != nil {
		t.Fatal(err)
	}
	if lk.ComputerName["ffff0002"] != "HOST-TWO" || lk.UserName["S-1-5-21-1-1002"] != "bob" {
		t.Fatalf("lookups %v %v", lk.ComputerName, lk.UserName)
	}
	events := filepath.Join(dir, "fdr.ndjson")
	os.WriteFile(events, []byte(
		`{"event_simpleName":"ProcessRollup2","aid":"ffff0001","UserSid":"S-1-5-21-1-1001","timestamp":"1700000000000","ImageFileName":"\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe","ParentBaseFileName":"chrome.exe","CommandLine":"cmd"}`+"\n"+
			`{"event_simpleName":"ProcessRollup2","aid":"ffff0009","UserSid":"S-1-5-21-1-1002","timestamp":"1700000000001","ImageFileName":"\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe","ParentBaseFileName":"chrome.exe","CommandLine":"cmd"}`+"\n"), 0o644)
	// The raw path (engine decoder) and a query on a filled field: the
	// filled values are not in the raw line, so the run has no prefilter.
	rows, _, _ := runQuery(t, `ComputerName=HOST-ONE UserName=alice`, Options{Lookups: lk}, false, mustExpand(t, events)...)
	if len(rows) != 1 {
		t.Fatalf("rows %d", len(rows))
	}
	res := readPaths(t, Options{Lookups: lk}, events)
	if get(res.events[1], "UserName") != "bob" {
		t.Errorf("second event: %v", res.events[1].Vals)
	}
	if _, ok := res.events[1].Get("ComputerName"); ok {
		t.Errorf("unknown aid got a ComputerName")
	}
	// A file without any mapping is an error naming the flag.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("x,y\n1,2\n"), 0o644)
	if _, err := LoadLookups(bad, ""); err == nil || !strings.Contains(err.Error(), "--falcon-aidmaster") {
		t.Errorf("bad aidmaster: %v", err)
	}
	if _, err := LoadLookups("", filepath.Join(dir, "missing")); err == nil {
		t.Errorf("missing userinfo: no error")
	}
}
