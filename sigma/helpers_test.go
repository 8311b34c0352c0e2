package sigma

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/sharedtest"
	"github.com/lanner-dev/lanner/source"
)

// readEvents reads files with lanner's sources, as `lanner detect` does,
// and returns the normalised events in input order.
func readEvents(t testing.TB, paths ...string) []*event.Event {
	t.Helper()
	ins, err := source.Expand(paths)
	if err != nil {
		t.Fatal(err)
	}
	rd := source.NewReader(source.Options{})
	ch := make(chan *engine.Batch, 4)
	go rd.Run(context.Background(), ins, ch)
	dec := source.NewNDJSONDecoder()
	var out []*event.Event
	for b := range ch {
		out = append(out, b.Events...)
		data, line := b.Data, b.Line
		for len(data) > 0 {
			i := strings.IndexByte(string(data), '\n')
			var rec []byte
			if i < 0 {
				rec, data = data, nil
			} else {
				rec, data = data[:i], data[i+1:]
			}
			line++
			if len(strings.TrimSpace(string(rec))) == 0 {
				continue
			}
			e := &event.Event{}
			if err := dec.Decode(rec, e); err != nil {
				continue
			}
			dec.Keep()
			e.Origin.File, e.Origin.Line, e.Origin.Format = b.File, line-1, b.Format
			out = append(out, e)
		}
		if b.Release != nil {
			b.Release()
		}
	}
	for _, err := range rd.Errors {
		t.Logf("read: %v", err)
	}
	return out
}

// engineMatches runs each program over the events with the engine and
// returns, per program, which events it passed.
func engineMatches(t testing.TB, progs []*engine.Program, evs []*event.Event) [][]bool {
	t.Helper()
	out := make([][]bool, len(progs))
	for k, p := range progs {
		// Sigma's queries do not change events (no regex extraction
		// outside the top level), so the events go in as they are.
		clones := evs
		if strings.Contains(p.Query.String(), "(?P<") || strings.Contains(p.Query.String(), "(?<") {
			clones = make([]*event.Event, len(evs))
			for i, e := range evs {
				clones[i] = e.Clone()
			}
		}
		idx := make(map[*event.Event]int, len(evs))
		for i, e := range clones {
			idx[e] = i
		}
		ch := make(chan *engine.Batch, 1)
		ch <- &engine.Batch{Events: clones, Records: int64(len(clones)), Format: "event"}
		close(ch)
		hit := make([]bool, len(evs))
		var mu sync.Mutex
		_, err := p.Run(context.Background(), ch, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, engine.SinkFunc(func(e *event.Event) {
			mu.Lock()
			if i, ok := idx[e]; ok {
				hit[i] = true
			}
			mu.Unlock()
		}))
		if err != nil {
			t.Fatal(err)
		}
		out[k] = hit
	}
	return out
}

// sigmaHQ loads every SigmaHQ rule folder of the shared corpus.
var sigmaHQOnce struct {
	sync.Once
	set *Set
	err error
}

func sigmaHQ(t testing.TB) *Set {
	t.Helper()
	root := sharedtest.Path(t, "data", "sigmahq")
	sigmaHQOnce.Do(func() {
		var dirs []string
		ents, err := os.ReadDir(root)
		if err != nil {
			sigmaHQOnce.err = err
			return
		}
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), "rules") {
				dirs = append(dirs, filepath.Join(root, e.Name()))
			}
		}
		sort.Strings(dirs)
		sigmaHQOnce.set, sigmaHQOnce.err = Load(dirs, Options{})
	})
	if sigmaHQOnce.err != nil {
		t.Fatal(sigmaHQOnce.err)
	}
	return sigmaHQOnce.set
}

var sigmaHQRS struct {
	sync.Once
	rs  *Ruleset
	err error
}

// sigmaHQRuleset is the Ruleset of every SigmaHQ rule that loads.
func sigmaHQRuleset(t testing.TB) *Ruleset {
	t.Helper()
	set := sigmaHQ(t)
	sigmaHQRS.Do(func() { sigmaHQRS.rs, sigmaHQRS.err = NewRuleset(set.Rules) })
	if sigmaHQRS.err != nil {
		t.Fatal(sigmaHQRS.err)
	}
	return sigmaHQRS.rs
}
