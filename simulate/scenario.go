// Package simulate writes the telemetry an atomic test produces, in the
// formats lanner reads: Falcon FDR NDJSON, Sysmon (evtx_dump JSON lines and
// Windows event XML), Security 4688 XML and Defender for Endpoint
// advanced-hunting JSON.
//
// A test is a Scenario: the processes already running when it starts, then
// steps in order — a process start, a file create, a network connection. The
// scenario is written once, in the words of the test (image paths, command
// lines, file paths with %TEMP%-style variables); Render turns it into the
// records each source would hold, with host, user, process ids, GUIDs and
// times drawn from a seed, so the same seed always gives the same bytes.
//
// What a source cannot see is left out rather than invented: Security 4688
// records process starts only, so a test made only of a file create has no
// records there ("not observable in this source").
package simulate

import (
	"fmt"
	"sort"
	"strings"
)

// Sources lists the output formats, in the order the coverage matrix shows
// them.
var Sources = []string{"falcon", "sysmon", "sysmon-xml", "security", "mde"}

// SourceInfo says, per source, what the output is.
var SourceInfo = map[string]string{
	"falcon":     "CrowdStrike Falcon events as FDR NDJSON, one JSON object per line, every value a string (ProcessRollup2, NewExecutableWritten, NewScriptWritten, GenericFileWritten, NetworkConnectIP4, DnsRequest)",
	"sysmon":     "Sysmon Operational events (1 process create, 3 network connect, 11 file create) as JSON lines in the shape of Rust evtx_dump (Event.System, Event.EventData, #attributes)",
	"sysmon-xml": "the same Sysmon events as Windows event XML (<Events> wrapper, one <Event> per line), as wevtutil and Get-WinEvent export them",
	"security":   "Windows Security 4688 (process creation, version 2, command-line auditing on) as Windows event XML; file and network activity is not in this log",
	"mde":        "Microsoft Defender for Endpoint advanced-hunting rows as JSON lines: DeviceProcessEvents (ProcessCreated), DeviceFileEvents (FileCreated), DeviceNetworkEvents (ConnectionSuccess)",
}

// Scenario is one atomic test.
type Scenario struct {
	Test   int    `yaml:"test"`
	Name   string `yaml:"name"`
	Signal string `yaml:"signal"` // the telemetry the test should produce, in words
	// Volumes maps a drive letter to the device it is mounted from, for
	// Falcon's device paths: E: → \Device\CdRom0 for a mounted ISO. C: is
	// \Device\HarddiskVolume3 unless said otherwise.
	Volumes map[string]string `yaml:"volumes"`
	// Running are processes that exist before the test starts (a browser,
	// explorer.exe): parents, never logged as starting.
	Running []Running `yaml:"running"`
	Steps   []Step    `yaml:"steps"`
}

// Running is a process already running when the test starts.
type Running struct {
	ID          string `yaml:"id"`
	Image       string `yaml:"image"`
	CommandLine string `yaml:"command_line"`
	ParentImage string `yaml:"parent_image"` // default C:\Windows\explorer.exe
}

// Step is one action; exactly one of its fields is set.
type Step struct {
	Process *ProcessStep `yaml:"process"`
	File    *FileStep    `yaml:"file"`
	Network *NetworkStep `yaml:"network"`
}

// ProcessStep starts a process.
type ProcessStep struct {
	ID          string `yaml:"id"`
	Parent      string `yaml:"parent"` // id of a Running process or an earlier step
	Image       string `yaml:"image"`
	CommandLine string `yaml:"command_line"`
	Integrity   string `yaml:"integrity"` // Low, Medium (default), High, System
}

// FileStep creates a file.
type FileStep struct {
	Process string `yaml:"process"` // id of the writing process
	Path    string `yaml:"path"`
	Size    int    `yaml:"size"`
}

// NetworkStep is an outbound connection.
type NetworkStep struct {
	Process    string `yaml:"process"`
	RemoteIP   string `yaml:"remote_ip"`
	RemotePort int    `yaml:"remote_port"`
	Hostname   string `yaml:"hostname"` // resolved name, if any
	Protocol   string `yaml:"protocol"` // tcp (default) or udp
}

// Validate checks the scenario's references; errors name the key.
func (s *Scenario) Validate() []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if s.Test <= 0 {
		add("test: must be a positive number")
	}
	if strings.TrimSpace(s.Name) == "" {
		add("name: missing")
	}
	known := map[string]bool{}
	for i, r := range s.Running {
		if r.ID == "" || r.Image == "" {
			add("running[%d]: id and image are required", i)
		}
		if known[r.ID] {
			add("running[%d].id: %q used twice", i, r.ID)
		}
		known[r.ID] = true
	}
	for d := range s.Volumes {
		if len(d) != 2 || d[1] != ':' {
			add("volumes: %q is not a drive letter like E:", d)
		}
	}
	if len(s.Steps) == 0 {
		add("steps: missing")
	}
	for i, st := range s.Steps {
		n := 0
		if st.Process != nil {
			n++
			p := st.Process
			if p.Image == "" {
				add("steps[%d].process.image: missing", i)
			}
			if p.Parent != "" && !known[p.Parent] {
				add("steps[%d].process.parent: no running process or earlier step %q", i, p.Parent)
			}
			if p.ID != "" {
				if known[p.ID] {
					add("steps[%d].process.id: %q used twice", i, p.ID)
				}
				known[p.ID] = true
			}
			switch strings.ToLower(p.Integrity) {
			case "", "low", "medium", "high", "system":
			default:
				add("steps[%d].process.integrity: %q is not Low, Medium, High or System", i, p.Integrity)
			}
		}
		if st.File != nil {
			n++
			if st.File.Path == "" {
				add("steps[%d].file.path: missing", i)
			}
			if !known[st.File.Process] {
				add("steps[%d].file.process: no running process or earlier step %q", i, st.File.Process)
			}
		}
		if st.Network != nil {
			n++
			if st.Network.RemoteIP == "" || st.Network.RemotePort <= 0 {
				add("steps[%d].network: remote_ip and remote_port are required", i)
			}
			if !known[st.Network.Process] {
				add("steps[%d].network.process: no running process or earlier step %q", i, st.Network.Process)
			}
			switch strings.ToLower(st.Network.Protocol) {
			case "", "tcp", "udp":
			default:
				add("steps[%d].network.protocol: %q is not tcp or udp", i, st.Network.Protocol)
			}
		}
		if n != 1 {
			add("steps[%d]: needs exactly one of process, file, network", i)
		}
	}
	return errs
}

// IsSource reports whether name is one of Sources.
func IsSource(name string) bool {
	for _, s := range Sources {
		if s == name {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
