package sink

import (
	"context"
	"os"
	"sync"
)

// NDJSON appends one OCSF finding per line to a file and fsyncs it before
// Write returns.
type NDJSON struct {
	mu   sync.Mutex
	path string
	f    *os.File
	buf  []byte
	torn bool // the last write failed: its line may be cut
}

// OpenNDJSON opens (creates) the file for appending.
func OpenNDJSON(path string) (*NDJSON, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &NDJSON{path: path, f: f}, nil
}

// Name implements Sink.
func (s *NDJSON) Name() string { return "ndjson:" + s.path }

// Write implements Sink. After a failed write the next one starts on a
// new line, so a torn line never glues onto a good one.
func (s *NDJSON) Write(ctx context.Context, alerts []*Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
	if s.torn {
		s.buf = append(s.buf, '\n')
	}
	for _, a := range alerts {
		s.buf = append(s.buf, a.Finding...)
		s.buf = append(s.buf, '\n')
	}
	if _, err := s.f.Write(s.buf); err != nil {
		s.torn = true
		return err
	}
	if err := s.f.Sync(); err != nil {
		s.torn = true
		return err
	}
	s.torn = false
	return nil
}

// Close implements Sink.
func (s *NDJSON) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
