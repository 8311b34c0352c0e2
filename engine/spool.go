package engine

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"

	"github.com/lanner-dev/lanner/event"
)

// spool holds the events that wait at a barrier (join, selfJoinFilter,
// match() over a defineTable() table) until the whole input is read. It
// keeps up to spoolMemory bytes in memory and writes the rest to a
// temporary file, so a large left side does not exhaust memory.
type spool struct {
	mem  []*event.Event
	size int64
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	err  error
}

// spoolMemory is how much a spool keeps in memory.
var spoolMemory int64 = 256 << 20

func eventSize(e *event.Event) int64 {
	n := int64(64 + 32*len(e.Keys))
	for i := range e.Keys {
		n += int64(len(e.Keys[i]) + len(e.Vals[i]))
	}
	return n
}

func (s *spool) add(e *event.Event) {
	if s.f == nil && s.size < spoolMemory {
		s.mem = append(s.mem, e)
		s.size += eventSize(e)
		return
	}
	if s.err != nil {
		return
	}
	if s.f == nil {
		s.f, s.err = os.CreateTemp("", "lanner-spool-*")
		if s.err != nil {
			return
		}
		os.Remove(s.f.Name()) // unlinked: gone when closed
		s.w = bufio.NewWriterSize(s.f, 1<<20)
	}
	b := s.buf[:0]
	put := func(x string) {
		b = binary.AppendUvarint(b, uint64(len(x)))
		b = append(b, x...)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Keys)))
	for i := range e.Keys {
		put(e.Keys[i])
		put(e.Vals[i])
	}
	put(e.Origin.File)
	b = binary.AppendVarint(b, e.Origin.Line)
	b = binary.AppendUvarint(b, e.Origin.Record)
	put(e.Origin.Format)
	b = binary.AppendUvarint(b, e.Origin.Seq)
	put(string(e.Origin.Raw))
	b = binary.AppendUvarint(b, uint64(e.NOrig))
	s.buf = b
	_, s.err = s.w.Write(b)
}

// each replays the events in order and releases them.
func (s *spool) each(fn func(e *event.Event)) error {
	for i, e := range s.mem {
		s.mem[i] = nil
		fn(e)
	}
	s.mem = nil
	if s.f == nil {
		return nil
	}
	defer func() { s.f.Close(); s.f = nil }()
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 1<<20)
	str := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return "", err
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return string(b), err
	}
	for {
		n, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e := &event.Event{Keys: make([]string, n), Vals: make([]string, n)}
		for i := range e.Keys {
			if e.Keys[i], err = str(); err != nil {
				return err
			}
			if e.Vals[i], err = str(); err != nil {
				return err
			}
		}
		if e.Origin.File, err = str(); err != nil {
			return err
		}
		if e.Origin.Line, err = binary.ReadVarint(r); err != nil {
			return err
		}
		if e.Origin.Record, err = binary.ReadUvarint(r); err != nil {
			return err
		}
		if e.Origin.Format, err = str(); err != nil {
			return err
		}
		if e.Origin.Seq, err = binary.ReadUvarint(r); err != nil {
			return err
		}
		raw, err := str()
		if err != nil {
			return err
		}
		if raw != "" {
			e.Origin.Raw = []byte(raw)
		}
		no, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		e.NOrig = int(no)
		fn(e)
	}
}
