package sigma

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/lanner-dev/lanner/event"
)

// processCreationRules are every SigmaHQ rule (all rule folders) whose
// logsource is Windows process_creation.
func processCreationRules(b testing.TB) []*Compiled {
	var out []*Compiled
	for _, c := range sigmaHQ(b).Rules {
		if c.Logsource == "windows/process_creation" {
			out = append(out, c)
		}
	}
	return out
}

// BenchmarkProcessCreation runs every SigmaHQ process_creation rule over
// Sysmon-shaped process starts on one goroutine: events/s per core. The
// events mix common benign starts (85 %) with LOLBins and attack-like
// command lines (15 %); /lolbins runs on the latter alone, a worst case.
func BenchmarkProcessCreation(b *testing.B) {
	b.Run("mixed", func(b *testing.B) { benchProcess(b, realisticEvents(4096, 42)) })
	b.Run("lolbins", func(b *testing.B) { benchProcess(b, syntheticN(4096, 42)) })
}

func benchProcess(b *testing.B, evs []*event.Event) {
	rules := processCreationRules(b)
	rs, err := NewRuleset(rules)
	if err != nil {
		b.Fatal(err)
	}
	m := rs.NewMatcher()
	hits := 0
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits += len(m.Match(evs[i%len(evs)]))
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// CPU time of the whole process (GC included): events per core-second,
	// steady on a machine shared with other work.
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(len(rules)), "rules")
	b.ReportMetric(float64(hits)/float64(b.N), "alerts/event")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
