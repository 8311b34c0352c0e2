package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/lanner-dev/lanner/engine"
)

// Chunk is a run of input, in order, for the processor.
type Chunk struct {
	Batches []*engine.Batch
}

// FollowOptions configure Follow.
type FollowOptions struct {
	// FromEnd starts the files present at the start at their end; files
	// that appear later are read from their beginning.
	FromEnd bool
	// Poll is how often files are checked for growth (default 100ms);
	// Rescan how often directories are listed for new files (default 1s).
	Poll, Rescan time.Duration
	// IdleLine is how long a last line without its newline waits before
	// it is taken as complete (default 1s; only a whole JSON object or
	// XML event is taken).
	IdleLine time.Duration
	// MaxRead is how much of a file one read takes (default 1 MiB).
	MaxRead  int
	Decoding *Decoding
	Logger   *slog.Logger
	// Stdin is what "-" reads (default os.Stdin).
	Stdin io.Reader

	buf []byte
}

func (o *FollowOptions) defaults() {
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Rescan <= 0 {
		o.Rescan = time.Second
	}
	if o.IdleLine <= 0 {
		o.IdleLine = time.Second
	}
	if o.MaxRead <= 0 {
		o.MaxRead = 1 << 20
	}
	if o.Decoding == nil {
		o.Decoding = &Decoding{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
}

// lineInput turns the bytes of one input into chunks of whole lines: it
// keeps the unfinished last line, numbers lines, and recognises the format
// from the first bytes.
type lineInput struct {
	name    string
	line    int64 // number of the next line
	carry   []byte
	carryAt time.Time
	format  string
	perLine bool
	decided bool
	opts    *FollowOptions
}

// feed takes new bytes; it returns the batches of the lines they complete.
// atEOF says no more bytes come (stdin closed, a file rotated away).
func (li *lineInput) feed(b []byte, atEOF bool) []*engine.Batch {
	if len(b) > 0 {
		li.carry = append(li.carry, b...)
		li.carryAt = time.Now()
	}
	if !li.decided {
		if !atEOF && bytes.IndexByte(li.carry, '\n') < 0 && len(li.carry) < 64<<10 {
			return nil
		}
		li.format, li.perLine = li.opts.Decoding.lineFormat(li.carry)
		li.decided = true
		if !li.perLine {
			return nil
		}
	}
	end := bytes.LastIndexByte(li.carry, '\n') + 1
	if atEOF && end < len(li.carry) {
		li.carry = append(li.carry, '\n')
		end = len(li.carry)
	}
	if end == 0 {
		return nil
	}
	data := append([]byte(nil), li.carry[:end]...)
	li.carry = append(li.carry[:0], li.carry[end:]...)
	first := li.line
	li.line += int64(bytes.Count(data, []byte{'\n'}))
	return li.opts.Decoding.batches(li.name, first, data, li.format)
}

// idle takes a last line without newline as complete once it has waited
// IdleLine and is a whole record.
func (li *lineInput) idle(now time.Time) []*engine.Batch {
	if len(li.carry) == 0 || now.Sub(li.carryAt) < li.opts.IdleLine {
		return nil
	}
	rec := bytes.TrimSpace(li.carry)
	if !json.Valid(rec) && !bytes.HasSuffix(rec, []byte("</Event>")) {
		return nil
	}
	return li.feed(nil, true)
}

// followed is one file being followed.
type followed struct {
	lineInput
	path string
	f    *os.File
	fi   os.FileInfo // of the open file
	off  int64
	once bool // not a line format: read whole, once
	// explicit: named on the command line (waited for when it is gone);
	// else found in a directory (dropped when it is gone).
	explicit bool
	gone     bool
	// read remembers the files this one rotated away from (read to
	// their end), so that a rotated file that shows up under a new name
	// in a followed directory is not read again.
	read *[]os.FileInfo
}

// Follow reads the paths (files, directories read recursively, "-" for
// stdin) from their beginning, or their end with FromEnd, then follows
// them like `tail -F`: appended lines, a file replaced by a new one
// (rotation), a truncated file (read again from its start), new files in
// a directory. It sends chunks of whole lines until ctx ends; when stdin
// is the only input it returns at stdin's end.
func Follow(ctx context.Context, paths []string, opts FollowOptions, out chan<- Chunk) error {
	opts.defaults()
	log := opts.Logger
	send := func(bs []*engine.Batch) bool {
		if len(bs) == 0 {
			return true
		}
		select {
		case out <- Chunk{Batches: bs}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var dirs []string
	files := map[string]*followed{}
	var order []string
	var read []os.FileInfo // files read to their end before they were renamed
	add := func(path string, fromEnd, explicit bool) {
		if _, ok := files[path]; ok {
			return
		}
		fl := &followed{path: path, lineInput: lineInput{name: path, line: 1, opts: &opts}, explicit: explicit, read: &read}
		if fi, err := os.Stat(path); err == nil && !fromEnd {
			// A renamed file already read (a rotation inside the
			// directory): go on from its end.
			for _, r := range read {
				if os.SameFile(fi, r) {
					fromEnd = true
					log.Info("renamed file already read; following it from its end", "file", path)
				}
			}
			for _, other := range files {
				if other.f != nil && os.SameFile(fi, other.fi) {
					fromEnd = true
				}
			}
		}
		files[path] = fl
		order = append(order, path)
		sort.Strings(order)
		if fromEnd {
			if err := fl.open(); err == nil {
				fl.skipToEnd()
			}
		}
		log.Debug("following", "file", path, "from_end", fromEnd)
	}
	stdinDone := make(chan struct{})
	hasStdin, onlyStdin := false, true
	for _, p := range paths {
		if p == "-" {
			hasStdin = true
			continue
		}
		onlyStdin = false
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			dirs = append(dirs, p)
			for _, f := range listDir(p) {
				add(f, opts.FromEnd, false)
			}
		} else {
			add(p, opts.FromEnd, true)
		}
	}
	if hasStdin {
		go func() {
			defer close(stdinDone)
			li := &lineInput{name: "-", line: 1, opts: &opts}
			buf := make([]byte, opts.MaxRead)
			for {
				n, err := io.ReadAtLeast(opts.Stdin, buf, 1)
				if n > 0 && !send(li.feed(buf[:n], false)) {
					return
				}
				if err != nil {
					if !errors.Is(err, io.EOF) {
						log.Error("reading stdin", "err", err)
					}
					send(li.feed(nil, true))
					return
				}
			}
		}()
	}
	if onlyStdin {
		select {
		case <-stdinDone:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
	defer func() {
		for _, fl := range files {
			if fl.f != nil {
				fl.f.Close()
			}
		}
	}()
	tick := time.NewTicker(opts.Poll)
	defer tick.Stop()
	lastScan := time.Now()
	for {
		kept := order[:0]
		for _, path := range order {
			fl := files[path]
			if !fl.pump(ctx, send, log) {
				return nil
			}
			if fl.gone {
				delete(files, path)
				continue
			}
			kept = append(kept, path)
		}
		order = kept
		if time.Since(lastScan) >= opts.Rescan {
			lastScan = time.Now()
			for _, d := range dirs {
				for _, f := range listDir(d) {
					add(f, false, false)
				}
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// listDir lists the regular files under dir, recursively, skipping hidden
// folders, in lexical order.
func listDir(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path != dir && len(d.Name()) > 1 && d.Name()[0] == '.' {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (fl *followed) open() error {
	f, err := os.Open(fl.path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	fl.f, fl.fi, fl.off = f, fi, 0
	fl.lineInput = lineInput{name: fl.path, line: 1, opts: fl.opts}
	return nil
}

// skipToEnd starts the open file at its end, counting its lines so the
// numbers of the new ones are right.
func (fl *followed) skipToEnd() {
	buf := make([]byte, 1<<20)
	var lines int64
	var head []byte
	for {
		n, err := fl.f.Read(buf)
		if len(head) < 64<<10 {
			head = append(head, buf[:min(n, 64<<10-len(head))]...)
		}
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		fl.off += int64(n)
		if err != nil {
			break
		}
	}
	fl.line = lines + 1
	if len(head) > 0 {
		fl.format, fl.perLine = fl.opts.Decoding.lineFormat(head)
		fl.decided = true
		if !fl.perLine {
			fl.once = true
		}
	}
}

// pump reads what the file has gained, then checks for rotation and
// truncation. It returns false when the run is over.
func (fl *followed) pump(ctx context.Context, send func([]*engine.Batch) bool, log *slog.Logger) bool {
	if fl.once {
		return true
	}
	if fl.f == nil {
		if err := fl.open(); err != nil {
			return true // not there (yet): tail -F waits
		}
	}
	if len(fl.opts.buf) < fl.opts.MaxRead {
		fl.opts.buf = make([]byte, fl.opts.MaxRead) // one per Follow: files are pumped in turn
	}
	buf := fl.opts.buf
	for {
		n, err := fl.f.Read(buf)
		if n > 0 {
			fl.off += int64(n)
			if !send(fl.feed(buf[:n], false)) {
				return false
			}
			if fl.decided && !fl.perLine {
				return fl.readOnce(ctx, send, log)
			}
		}
		if err != nil || n == 0 {
			break
		}
	}
	if !send(fl.idle(time.Now())) {
		return false
	}
	if fl.decided && !fl.perLine {
		return fl.readOnce(ctx, send, log)
	}
	fi, err := os.Stat(fl.path)
	switch {
	case err != nil && !fl.explicit:
		// Gone from its directory: read it to its end.
		if !fl.drain(buf, send) {
			return false
		}
		log.Debug("file gone", "file", fl.path)
		if !send(fl.feed(nil, true)) {
			return false
		}
		*fl.read = append(*fl.read, fl.fi)
		fl.f.Close()
		fl.f, fl.gone = nil, true
	case err != nil:
		// Moved away and not yet replaced: keep reading the old file.
	case !os.SameFile(fi, fl.fi):
		// Lines written to the old file between our last read and the
		// rename (or just after it) are still ours: drain it first.
		if !fl.drain(buf, send) {
			return false
		}
		log.Info("file replaced (rotation); reading the new one from its start", "file", fl.path, "lines_read", fl.line-1)
		if !send(fl.feed(nil, true)) {
			return false
		}
		*fl.read = append(*fl.read, fl.fi)
		if len(*fl.read) > 1000 {
			*fl.read = (*fl.read)[1:]
		}
		fl.f.Close()
		fl.f = nil
		if err := fl.open(); err == nil {
			return fl.pump(ctx, send, log)
		}
	case fi.Size() < fl.off:
		log.Warn("file truncated; reading it again from its start", "file", fl.path, "size", fi.Size(), "was", fl.off)
		if _, err := fl.f.Seek(0, io.SeekStart); err == nil {
			fl.off = 0
			fl.lineInput = lineInput{name: fl.path, line: 1, opts: fl.opts}
			return fl.pump(ctx, send, log)
		}
	}
	return true
}

// drain reads the open file to its end; it returns false when the run is
// over.
func (fl *followed) drain(buf []byte, send func([]*engine.Batch) bool) bool {
	for {
		n, err := fl.f.Read(buf)
		if n > 0 {
			fl.off += int64(n)
			if !send(fl.feed(buf[:n], false)) {
				return false
			}
		}
		if err != nil || n == 0 {
			return true
		}
	}
}

// readOnce reads a file that is not one record per line (compressed,
// EVTX, CSV, a JSON array…) whole, once, with the batch reader; it is not
// followed.
func (fl *followed) readOnce(ctx context.Context, send func([]*engine.Batch) bool, log *slog.Logger) bool {
	fl.once = true
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
	log.Warn("not a line format: read whole, once, and not followed", "file", fl.path, "format", fl.format)
	data, err := os.ReadFile(fl.path)
	if err != nil {
		log.Error("reading file", "file", fl.path, "err", err)
		return true
	}
	d := fl.opts.Decoding
	return send(d.read(fl.path, 1, data, d.forced()))
}
