package source

import (
	"context"
	"fmt"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

type eventT = event.Event

// LoadLookups reads FDR's aidmaster and userinfo exports (either may be
// ""): CSV with a header row or JSON (one object per line, pretty-printed
// or in an array), plain, gzip'd or zstd'd. aidmaster records give aid →
// ComputerName, userinfo records UserSid (or UserSid_readable) → UserName.
// A file that yields no mapping at all is an error (a wrong file given).
func LoadLookups(aidmaster, userinfo string) (*normalize.Lookups, error) {
	lk := &normalize.Lookups{}
	for _, f := range []struct{ path, what, want string }{
		{aidmaster, "aidmaster", "aid and ComputerName"},
		{userinfo, "userinfo", "UserSid (or UserSid_readable) and UserName"},
	} {
		if f.path == "" {
			continue
		}
		n, bad, err := loadLookupFile(f.path, lk)
		if err != nil {
			return nil, fmt.Errorf("--falcon-%s %s: %v", f.what, f.path, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("--falcon-%s %s: no record with %s (%d records unreadable)", f.what, f.path, f.want, bad)
		}
	}
	return lk, nil
}

// loadLookupFile reads one file through the ordinary readers and takes
// every record's mapping into lk.
func loadLookupFile(path string, lk *normalize.Lookups) (n, bad int, err error) {
	ins, err := Expand([]string{path})
	if err != nil {
		return 0, 0, err
	}
	rd := NewReader(Options{Format: ""})
	out := make(chan *engine.Batch, 4)
	done := make(chan struct{})
	var dec = &NDJSONDecoder{keys: map[string]string{}, Normalize: func(*eventT) {}}
	go func() {
		defer close(done)
		for b := range out {
			bad += len(b.Problems)
			for _, e := range b.Events {
				if lk.AddLookupRecord(e) {
					n++
				}
			}
			forLines(b.Data, func(line []byte) {
				var e eventT
				if dec.Decode(line, &e) != nil {
					bad++
					return
				}
				dec.Keep() // the maps keep strings that point into the arena
				if lk.AddLookupRecord(&e) {
					n++
				}
			})
			if b.Release != nil {
				b.Release()
			}
		}
	}()
	rd.Run(context.Background(), ins, out)
	<-done
	if len(rd.Errors) > 0 {
		return n, bad, rd.Errors[0]
	}
	return n, bad, nil
}

// forLines calls fn for each non-blank line of data.
func forLines(data []byte, fn func([]byte)) {
	for len(data) > 0 {
		i := 0
		for i < len(data) && data[i] != '\n' {
			i++
		}
		line := data[:i]
		if i < len(data) {
			i++
		}
		data = data[i:]
		for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == ' ') {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			fn(line)
		}
	}
}
