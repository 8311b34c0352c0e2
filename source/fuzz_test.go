package source

import (
	"os"
	"path/filepath"
	"testing"
)

// The readers and the sniffer must never panic, whatever the bytes; every
// record is an event or a problem.

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/mixed/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(xmlEv("1") + xmlEv("2")))
	f.Add([]byte("<Events><Event><System><EventID>1</EventID></System></Event>"))
	f.Add([]byte("a,b\n\"1\",\"2\n"))
	f.Add([]byte("Record 1\n{\"Event\":{\"System\":{}}}"))
	f.Add(utf16LE("<Event/>", true))
	f.Add([]byte{0xFE, 0xFF, 0, '<', 0xD8, 0})
	f.Add([]byte("ElfFile\x00"))
}

func FuzzSniff(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff(b, true)
		Sniff(b, false)
		detectEncoding(b)
	})
}

func FuzzXMLReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		res := readBytes(t, "f.xml", b, Options{Format: FormatXML, MaxRecord: 4096, BatchSize: 4096})
		if int64(len(res.events)+len(res.problems)) != res.formats["xml"] {
			t.Fatalf("%d events + %d problems != %d records", len(res.events), len(res.problems), res.formats["xml"])
		}
		p := &xmlParser{b: b}
		p.document()
	})
}

func FuzzCSVReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		res := readBytes(t, "f.csv", b, Options{Format: FormatCSV, MaxRecord: 4096, BatchSize: 4096})
		if int64(len(res.events)+len(res.problems)) != res.formats["csv"] {
			t.Fatalf("%d events + %d problems != %d records", len(res.events), len(res.problems), res.formats["csv"])
		}
	})
}

func FuzzJSONReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		readBytes(t, "f.json", b, Options{Format: FormatJSON, MaxRecord: 4096, BatchSize: 4096})
		readBytes(t, "f", b, Options{MaxRecord: 4096, BatchSize: 4096}) // sniffed
	})
}
