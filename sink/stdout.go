package sink

import (
	"bufio"
	"context"
	"io"
	"sync"
)

// Stdout writes one OCSF finding per line to a writer.
type Stdout struct {
	mu sync.Mutex
	w  *bufio.Writer
}

// NewStdout returns a sink writing to w.
func NewStdout(w io.Writer) *Stdout { return &Stdout{w: bufio.NewWriterSize(w, 64<<10)} }

// Name implements Sink.
func (s *Stdout) Name() string { return "stdout" }

// Write implements Sink: the lines are flushed to the writer.
func (s *Stdout) Write(ctx context.Context, alerts []*Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range alerts {
		s.w.Write(a.Finding)
		s.w.WriteByte('\n')
	}
	return s.w.Flush()
}

// Close implements Sink.
func (s *Stdout) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}
