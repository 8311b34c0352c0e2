package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// Line counts of NDJSON. The test checks them against the generated lines and
// against an independent evaluation of the seed query.
const (
	TotalLines    = 3080 // lines in NDJSON
	CriticalLines = 24   // seed hits with suspicion_level "critical"
	HighLines     = 136  // seed hits with suspicion_level "high"
	MediumLines   = 123  // seed hits with suspicion_level "medium"
	// MatchingLines is the number of events that pass the seed query's
	// filters; its `limit 200` returns SeedLimit of them.
	MatchingLines = CriticalLines + HighLines + MediumLines
	SeedLimit     = 200
)

// Category is one kind of line in the demo data.
type Category struct {
	Name  string // stable identifier, e.g. "high_lolbin"
	Level string // suspicion_level the seed query assigns; "" when it must not match
	Lines int    // number of lines of this kind in NDJSON
	About string // one-line description
}

type built struct {
	data  []byte
	recs  []record
	cats  []Category
	lines [][]byte
}

var (
	once  sync.Once
	cache built
)

func get() *built {
	once.Do(func() { cache = build() })
	return &cache
}

// NDJSON returns the demo telemetry. Every call returns a fresh copy of the
// same bytes.
func NDJSON() []byte { return bytes.Clone(get().data) }

// Categories lists every kind of line in NDJSON, seed hits first, with its
// line count. The counts add up to TotalLines.
func Categories() []Category {
	b := get()
	out := make([]Category, len(b.cats))
	copy(out, b.cats)
	return out
}

// Description is one paragraph on what the demo contains, for the CLI.
func Description() string {
	return fmt.Sprintf("Demo data: %d synthetic CrowdStrike Falcon events (NDJSON, FDR-style string values) "+
		"from 34 Windows workstations, 2 servers and a Mac and a Linux host over 2026-03-09..12, generated from a fixed seed. "+
		"%d ProcessRollup2 events are browser-spawned PowerShell, cmd, script engines and LOLBins that the "+
		"T1204.001 rule should report (%d critical, %d high, %d medium): encoded PowerShell and download "+
		"cradles, mshta/rundll32/regsvr32/certutil/msbuild, wscript/cscript, the five atomic-test scenarios "+
		"(URI-handler PowerShell, Invoice_March2026.exe in Downloads, link_payload.vbs, link_test.hta, ISO "+
		"mount running E:\\payload.exe) and the rule's known false positives (onboarding portal, certutil CRL "+
		"checks, phishing-awareness simulation). The rest is noise and near misses it must ignore: browser "+
		"renderers, browsers opening documents, explorer-launched shells, system processes, .bak look-alikes, "+
		"powershell_ise, events without a CommandLine, SyntheticProcessRollup2, and DNS, network, file-write, "+
		"logon and end-of-process events. The rule keeps the newest %d hits.",
		TotalLines, MatchingLines, CriticalLines, HighLines, MediumLines, SeedLimit)
}

func build() built {
	g := newGen()
	g.run()
	g.order()
	var b built
	b.recs = g.recs
	b.lines = make([][]byte, len(g.recs))
	var buf bytes.Buffer
	for i, r := range g.recs {
		line, err := json.Marshal(r.f)
		if err != nil {
			panic(err) // map[string]string always marshals
		}
		b.lines[i] = line
		buf.Write(line)
		buf.WriteByte('\n')
	}
	b.data = buf.Bytes()
	count := map[string]int{}
	for _, r := range g.recs {
		count[r.cat]++
	}
	for _, c := range categoryTable {
		c.Lines = count[c.Name]
		b.cats = append(b.cats, c)
	}
	return b
}
