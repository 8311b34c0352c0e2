package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testAlerts(n, from int) []*Alert {
	var out []*Alert
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("%08x-0000-5000-8000-000000000000", i)
		sev := []string{"low", "medium", "high", "critical"}[i%4]
		out = append(out, &Alert{ID: id, Rule: fmt.Sprintf("R%d", i%2), Title: "t", Severity: sev, Time: int64(1700000000000 + i),
			Host: fmt.Sprintf("h%d", i%3), Message: "m", Finding: json.RawMessage(fmt.Sprintf(`{"finding_info":{"uid":%q}}`, id)),
			Row: json.RawMessage(`{"rule":"R"}`)})
	}
	return out
}

func TestStoreDeduplicatesAndQueries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "alerts.db")
	s, err := Open("sqlite:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Write(ctx, testAlerts(10, 0)); err != nil {
		t.Fatal(err)
	}
	// A replay of some alerts and new ones.
	if err := s.Write(ctx, testAlerts(10, 5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	st, err := OpenStoreReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, _ := st.Count(ctx); n != 15 {
		t.Fatalf("count %d, want 15", n)
	}
	all, err := st.List(ctx, Filter{})
	if err != nil || len(all) != 15 || all[0].Time < all[14].Time {
		t.Fatalf("list: %d %v", len(all), err)
	}
	hi, _ := st.List(ctx, Filter{MinSeverity: SeverityRank("high"), Rules: []string{"r1"}})
	for _, a := range hi {
		if a.Rule != "R1" || SeverityRank(a.Severity) < 4 {
			t.Errorf("filter let %+v through", a.Alert)
		}
	}
	if len(hi) == 0 {
		t.Error("no high R1 alert")
	}
	lim, _ := st.List(ctx, Filter{Limit: 3, Since: time.UnixMilli(1700000000003)})
	if len(lim) != 3 || lim[0].Time != 1700000000014 {
		t.Errorf("limit/since: %d", len(lim))
	}
	a, err := st.Get(ctx, "00000007")
	if err != nil || a.ID != "00000007-0000-5000-8000-000000000000" || !bytes.Contains(a.Finding, []byte(a.ID)) {
		t.Fatalf("get: %v %v", a, err)
	}
	if _, err := st.Get(ctx, "0000000"); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if _, err := st.Get(ctx, "ffff"); err == nil {
		t.Error("unknown id found")
	}
}

func TestNDJSONAppendsAndSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	s, err := Open("ndjson:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Write(context.Background(), testAlerts(2, 0))
	s.Write(context.Background(), testAlerts(1, 2))
	s.Close()
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !json.Valid([]byte(lines[2])) {
		t.Fatalf("file:\n%s", b)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, spec := range []string{"nope:x", "ndjson", "webhook:ftp://x", "kafka:t", "stdout:x"} {
		if _, err := Open(spec, Options{}); err == nil {
			t.Errorf("%s: no error", spec)
		}
	}
}

// TestWebhookFailsThenRecovers: the receiver answers 503 and drops
// connections for a while; every alert still arrives, each at least once,
// and Write returns only then.
func TestWebhookFailsThenRecovers(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	var calls atomic.Int64
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if !healthy.Load() {
			if calls.Load()%2 == 0 {
				// A dropped connection.
				hj, ok := w.(http.Hijacker)
				if ok {
					c, _, _ := hj.Hijack()
					c.Close()
					return
				}
			}
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var f struct {
			FindingInfo struct {
				UID string `json:"uid"`
			} `json:"finding_info"`
		}
		if err := json.Unmarshal(body, &f); err != nil || f.FindingInfo.UID != r.Header.Get("Idempotency-Key") || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got[f.FindingInfo.UID]++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on loopback: %s", srv.URL)
	}
	var errs atomic.Int64
	s, err := Open("webhook:"+srv.URL, Options{WebhookQueue: 8, WebhookWorkers: 3, OnError: func(string, error) { errs.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		time.Sleep(700 * time.Millisecond)
		healthy.Store(true)
	}()
	alerts := testAlerts(40, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Write(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 600*time.Millisecond {
		t.Errorf("Write returned after %v, before the receiver recovered", time.Since(start))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range alerts {
		if got[a.ID] == 0 {
			t.Errorf("alert %s lost", a.ID)
		}
	}
	if errs.Load() == 0 {
		t.Error("no failed attempt reported")
	}
}

// TestWebhookWriteGivesUpWithContext: a receiver that never recovers holds
// Write until its context ends, which it reports.
func TestWebhookWriteGivesUpWithContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	s := NewWebhook(srv.URL, Options{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Write(ctx, testAlerts(3, 0)); err == nil {
		t.Fatal("Write succeeded against a failing receiver")
	}
}

// TestStoreOpenedTogether: watch processes that start at once open one new
// store together; each must get it (SQLite answers some of them "busy"
// without waiting) and write to it.
func TestStoreOpenedTogether(t *testing.T) {
	for round := 0; round < 5; round++ {
		path := filepath.Join(t.TempDir(), "alerts.db")
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := OpenStore(path)
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				errs[i] = s.Write(context.Background(), testAlerts(10, 10*i))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
		s, err := OpenStoreReadOnly(path)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Count(context.Background()); n != 60 {
			t.Fatalf("round %d: %d alerts stored, want 60", round, n)
		}
		s.Close()
	}
}
