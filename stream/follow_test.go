package stream

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAnalyze(t *testing.T) {
	for _, c := range []struct {
		q    string
		agg  bool
		want string
	}{
		{"#event_simpleName=ProcessRollup2 | FileName=cmd.exe", false, ""},
		{"a=1 | select([a, b]) | sort(a, limit=10) | head(5)", false, ""},
		{"a=1 | eval x := 1 | fields a, x | sort(a) | limit 200", false, ""},
		{"a=1 | table([a])", false, ""},
		{"a=1 | groupBy([aid], function=count()) | _count > 3", true, "groupBy() at 1:7"},
		{"a=1 | groupBy([aid]) | sort(_count)", true, "groupBy()"},
		{"a=1 | head(1) | b=2", true, "head()"},
		{"a=1 | n := count()", true, "count()"},
	} {
		sh, err := Analyze(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if sh.Aggregates != c.agg || !strings.Contains(sh.Stage, c.want) {
			t.Errorf("%s: got %+v, want aggregates=%v stage~%q", c.q, sh, c.agg, c.want)
		}
	}
}

// collector gathers the lines Follow sends, with their origin.
type collector struct {
	ch    chan Chunk
	lines []string
}

func (c *collector) wait(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for len(c.lines) < n {
		select {
		case ch, ok := <-c.ch:
			if !ok {
				t.Fatalf("follow ended with %d lines, want %d: %q", len(c.lines), n, c.lines)
			}
			for _, b := range ch.Batches {
				ln := b.Line
				for _, l := range bytes.Split(bytes.TrimSuffix(b.Data, []byte("\n")), []byte("\n")) {
					c.lines = append(c.lines, fmt.Sprintf("%s:%d:%s", filepath.Base(b.File), ln, l))
					ln++
				}
			}
		case <-deadline:
			t.Fatalf("timed out with %d lines, want %d: %q", len(c.lines), n, c.lines)
		}
	}
	if len(c.lines) > n {
		t.Fatalf("got %d lines, want %d: %q", len(c.lines), n, c.lines)
	}
}

func rec(i int) string { return fmt.Sprintf(`{"event_simpleName":"ProcessRollup2","n":"%d"}`, i) }

func appendTo(t *testing.T, path string, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func startFollow(t *testing.T, paths []string, opts FollowOptions) *collector {
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{ch: make(chan Chunk)}
	done := make(chan struct{})
	opts.Poll = 20 * time.Millisecond
	opts.Rescan = 50 * time.Millisecond
	go func() {
		defer close(done)
		defer close(c.ch)
		if err := Follow(ctx, paths, opts, c.ch); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		for range c.ch {
		}
		<-done
	})
	return c
}

func TestFollowAppendRotateTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.ndjson")
	appendTo(t, path, rec(1)+"\n"+rec(2)+"\n")
	c := startFollow(t, []string{path}, FollowOptions{IdleLine: 200 * time.Millisecond})
	c.wait(t, 2, 5*time.Second)

	// Appends, including a line written in two pieces.
	appendTo(t, path, rec(3)+"\n"+rec(4)[:10])
	c.wait(t, 3, 5*time.Second)
	appendTo(t, path, rec(4)[10:]+"\n")
	c.wait(t, 4, 5*time.Second)

	// Rotation: rename away, a new file under the name.
	appendTo(t, path, rec(5)+"\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path+".1", rec(6)+"\n") // late write to the old file
	appendTo(t, path, rec(7)+"\n")
	c.wait(t, 7, 5*time.Second)

	// Truncation (copytruncate): the file starts again. As with tail, a
	// file truncated and at once refilled past the old size is not seen.
	time.Sleep(100 * time.Millisecond)
	if err := os.WriteFile(path, []byte(`{"n":"8"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 8, 5*time.Second)

	// A last line without its newline is taken once idle.
	appendTo(t, path, rec(9))
	c.wait(t, 9, 5*time.Second)

	want := []string{
		"events.ndjson:1:" + rec(1), "events.ndjson:2:" + rec(2), "events.ndjson:3:" + rec(3), "events.ndjson:4:" + rec(4),
		"events.ndjson:5:" + rec(5), "events.ndjson:6:" + rec(6), "events.ndjson:1:" + rec(7),
		"events.ndjson:1:" + `{"n":"8"}`, "events.ndjson:2:" + rec(9),
	}
	if strings.Join(c.lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(c.lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestFollowDirectoryFromEnd(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "a.ndjson")
	appendTo(t, old, rec(1)+"\n"+rec(2)+"\n")
	c := startFollow(t, []string{dir}, FollowOptions{FromEnd: true})
	time.Sleep(100 * time.Millisecond)
	appendTo(t, old, rec(3)+"\n")
	c.wait(t, 1, 5*time.Second)
	// A new file in the directory is read from its beginning.
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	appendTo(t, filepath.Join(dir, "sub", "b.ndjson"), rec(4)+"\n"+rec(5)+"\n")
	c.wait(t, 3, 5*time.Second)
	want := "a.ndjson:3:" + rec(3) + "\nb.ndjson:1:" + rec(4) + "\nb.ndjson:2:" + rec(5)
	if got := strings.Join(c.lines, "\n"); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
}

// TestFollowDirectoryRotation: a file rotated inside a followed directory
// (app.log → app.log.1, a new app.log) is not read twice.
func TestFollowDirectoryRotation(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	appendTo(t, live, rec(1)+"\n")
	c := startFollow(t, []string{dir}, FollowOptions{})
	c.wait(t, 1, 5*time.Second)
	appendTo(t, live, rec(2)+"\n")
	if err := os.Rename(live, live+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, live, rec(3)+"\n")
	c.wait(t, 3, 5*time.Second)
	time.Sleep(300 * time.Millisecond) // rescans see app.log.1
	appendTo(t, live, rec(4)+"\n")
	c.wait(t, 4, 5*time.Second)
	want := "app.log:1:" + rec(1) + "\napp.log:2:" + rec(2) + "\napp.log:1:" + rec(3) + "\napp.log:2:" + rec(4)
	if got := strings.Join(c.lines, "\n"); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
}

func TestFollowStdinEnds(t *testing.T) {
	c := &collector{ch: make(chan Chunk, 16)}
	in := strings.NewReader(rec(1) + "\n" + rec(2)) // no final newline
	err := Follow(context.Background(), []string{"-"}, FollowOptions{Stdin: in}, c.ch)
	if err != nil {
		t.Fatal(err)
	}
	close(c.ch)
	c.wait(t, 2, time.Second)
	if c.lines[1] != "-:2:"+rec(2) {
		t.Errorf("got %q", c.lines)
	}
}
