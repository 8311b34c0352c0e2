package sink

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite" // database/sql driver "sqlite", pure Go
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the SQLite alert store: one row per alert id, so an alert
// written twice (a replay after a crash) is kept once. Several processes
// may write one store (WAL, busy timeout).
type Store struct {
	path string
	db   *sql.DB
}

const storeSchema = `
CREATE TABLE IF NOT EXISTS alerts (
	id         TEXT PRIMARY KEY,
	rule       TEXT NOT NULL,
	title      TEXT NOT NULL,
	severity   TEXT NOT NULL,
	time       INTEGER NOT NULL,
	host       TEXT NOT NULL,
	user       TEXT NOT NULL,
	message    TEXT NOT NULL,
	finding    TEXT NOT NULL,
	row        TEXT NOT NULL,
	stored_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_time ON alerts(time);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule, time);
`

// OpenStore opens (creates) the store at path. Processes that start
// together may open it at once: SQLite then answers "busy" to some of them
// without waiting (switching to WAL, or two schema checks racing to write),
// so opening is retried for as long as the busy timeout.
func OpenStore(path string) (*Store, error) {
	deadline := time.Now().Add(busyTimeout)
	for {
		s, err := openStore(path)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return s, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func openStore(path string) (*Store, error) {
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	// BEGIN IMMEDIATE takes the write lock up front, through the busy
	// handler, where a plain statement would fail rather than deadlock.
	err = func() error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.Exec(storeSchema); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Store{path: path, db: db}, nil
}

// busyTimeout is how long a writer waits for another's lock.
const busyTimeout = 15 * time.Second

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// OpenStoreReadOnly opens an existing store for queries.
func OpenStoreReadOnly(path string) (*Store, error) {
	db, err := openDB(path, true)
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alerts'`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if n == 0 {
		db.Close()
		return nil, fmt.Errorf("%s: not a lanner alert store (no alerts table)", path)
	}
	return &Store{path: path, db: db}, nil
}

func openDB(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// FULL: a committed transaction survives a power cut, not only a
		// process crash; one fsync per batch of alerts.
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// Name implements Sink.
func (s *Store) Name() string { return "sqlite:" + s.path }

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Write implements Sink: one transaction; alerts whose id is already
// stored are left as they are.
func (s *Store) Write(ctx context.Context, alerts []*Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO alerts (id, rule, title, severity, time, host, user, message, finding, row, stored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UnixMilli()
	for _, a := range alerts {
		if _, err := st.ExecContext(ctx, a.ID, a.Rule, a.Title, a.Severity, a.Time, a.Host, a.User, a.Message, string(a.Finding), string(a.Row), now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close implements Sink.
func (s *Store) Close() error { return s.db.Close() }

// Filter selects stored alerts.
type Filter struct {
	Rules       []string  // rule ids (case-insensitive); empty: all
	MinSeverity int       // 1 informational … 5 critical; 0: all
	Since       time.Time // event time at or after; zero: no bound
	Until       time.Time // event time before; zero: no bound
	Host        string    // exact host name (case-insensitive)
	Limit       int       // newest N; 0: all
}

// Stored is an alert read back from the store.
type Stored struct {
	Alert
	StoredAt int64 // when the store first took it, epoch ms
}

var severityRank = map[string]int{"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

// SeverityRank orders severities: critical 5 … informational 1, unknown 0.
func SeverityRank(s string) int { return severityRank[strings.ToLower(s)] }

// List returns the alerts the filter selects, newest event first (ties:
// rule, then id).
func (s *Store) List(ctx context.Context, f Filter) ([]*Stored, error) {
	var where []string
	var args []any
	if len(f.Rules) > 0 {
		var ph []string
		for _, r := range f.Rules {
			ph = append(ph, "?")
			args = append(args, strings.ToLower(r))
		}
		where = append(where, "lower(rule) IN ("+strings.Join(ph, ",")+")")
	}
	if f.MinSeverity > 0 {
		var ph []string
		for name, rank := range severityRank {
			if rank >= f.MinSeverity {
				ph = append(ph, "?")
				args = append(args, name)
			}
		}
		where = append(where, "lower(severity) IN ("+strings.Join(ph, ",")+")")
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.Until.UnixMilli())
	}
	if f.Host != "" {
		where = append(where, "lower(host) = ?")
		args = append(args, strings.ToLower(f.Host))
	}
	q := `SELECT id, rule, title, severity, time, host, user, message, finding, row, stored_at FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time DESC, rule, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.query(ctx, q, args...)
}

// ErrNotFound is an id no stored alert has.
var ErrNotFound = errors.New("no such alert")

// Get returns the alert whose id is id or starts with it (a unique prefix
// of at least 4 characters).
func (s *Store) Get(ctx context.Context, id string) (*Stored, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 4 {
		return nil, fmt.Errorf("%w: give at least 4 characters of the id", ErrNotFound)
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id)
	rows, err := s.query(ctx, `SELECT id, rule, title, severity, time, host, user, message, finding, row, stored_at FROM alerts
		WHERE id = ? OR id LIKE ? ESCAPE '\' ORDER BY id LIMIT 3`, id, esc+"%")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.ID == id {
			return r, nil
		}
	}
	switch len(rows) {
	case 0:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	case 1:
		return rows[0], nil
	}
	return nil, fmt.Errorf("%w: %s is the start of several ids (%s, %s…); give more of it", ErrNotFound, id, rows[0].ID, rows[1].ID)
}

// Count returns the number of stored alerts.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&n)
	return n, err
}

// IDs returns every stored alert id.
func (s *Store) IDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM alerts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]*Stored, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Stored
	for rows.Next() {
		var a Stored
		var finding, row string
		if err := rows.Scan(&a.ID, &a.Rule, &a.Title, &a.Severity, &a.Time, &a.Host, &a.User, &a.Message, &finding, &row, &a.StoredAt); err != nil {
			return nil, err
		}
		a.Finding, a.Row = json.RawMessage(finding), json.RawMessage(row)
		out = append(out, &a)
	}
	return out, rows.Err()
}
