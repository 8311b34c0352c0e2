// Command duckdb runs a SQL file (the seed query as DuckDB SQL) over an NDJSON file with DuckDB and
// reports the rows and the wall times of a cold (first) run and a warm (best of the rest) run.
//
// It is a benchmark peer for lanner and lives in its own module so that the main module never
// depends on cgo or DuckDB:
//
//	cd scripts/duckdb && go run . -sql ../../../shared/acceptance/peers/duckdb-seed.sql -data FILE -n 3 -o rows.ndjson
//
// The SQL may refer to the data file as the named parameter $path. Rows are written as NDJSON,
// one object per row, values as strings, NULLs omitted; keys come from -names (by position), by
// default the seed query's output fields when the column count matches, else the SQL's own
// column names. The last line on stderr is a summary:
//
//	duckdb: rows=200 cold_s=1.234 warm_s=0.987 runs=3 mb=209.7 version=v1.x.y
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

const seedFields = "timestamp,ComputerName,UserName,ParentBaseFileName,ParentCommandLine,FileName,CommandLine,is_encoded_ps,is_download_cradle,is_script_engine,is_lolbin,suspicion_level"

func main() {
	sqlPath := flag.String("sql", "", "SQL file to run (required)")
	data := flag.String("data", "", "NDJSON data file, bound to $path (required; may also be the first argument)")
	runs := flag.Int("n", 3, "number of runs: the first is reported as cold, the best of the rest as warm")
	out := flag.String("o", "-", "where to write the rows of the first run as NDJSON (\"-\": stdout, \"\": nowhere)")
	names := flag.String("names", seedFields, "comma-separated output keys by position (\"\": the SQL's column names)")
	noLimit := flag.Bool("nolimit", false, "drop a trailing LIMIT n from the SQL (gives every match)")
	countOnly := flag.Bool("count", false, "print only the row count on stdout instead of the rows")
	threads := flag.Int("threads", 0, "DuckDB threads (0: DuckDB's default, all cores)")
	flag.Parse()
	if *data == "" && flag.NArg() > 0 {
		*data = flag.Arg(0)
	}
	if *sqlPath == "" || *data == "" || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: duckdb -sql FILE -data FILE [-n N] [-o OUT] [-nolimit] [-count]")
		os.Exit(2)
	}
	if err := run(*sqlPath, *data, *runs, *out, *names, *noLimit, *countOnly, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb:", err)
		os.Exit(1)
	}
}

var trailingLimit = regexp.MustCompile(`(?is)\s+LIMIT\s+\d+\s*;?\s*$`)

func run(sqlPath, data string, runs int, out, names string, noLimit, countOnly bool, threads int) error {
	b, err := os.ReadFile(sqlPath)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(string(b))
	if noLimit {
		if !trailingLimit.MatchString(query) {
			return errors.New("-nolimit: the SQL does not end in LIMIT n")
		}
		query = trailingLimit.ReplaceAllString(query, "")
	}
	query = strings.TrimSuffix(query, ";")
	st, err := os.Stat(data)
	if err != nil {
		return err
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if threads > 0 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return err
		}
	}

	var version string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return err
	}

	var w io.Writer = io.Discard
	if out == "-" && !countOnly {
		w = os.Stdout
	} else if out != "" && out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}

	var cold, warm time.Duration
	var rows int
	for i := 0; i < runs; i++ {
		dst := io.Discard
		if i == 0 {
			dst = w
		}
		t0 := time.Now()
		n, err := runOnce(ctx, db, query, data, dst, names)
		d := time.Since(t0)
		if err != nil {
			return err
		}
		if i == 0 {
			cold, rows = d, n
		} else {
			if n != rows {
				return fmt.Errorf("run %d gave %d rows, run 1 gave %d", i+1, n, rows)
			}
			if warm == 0 || d < warm {
				warm = d
			}
		}
	}
	if countOnly {
		fmt.Println(rows)
	}
	warmS := "n/a"
	if runs > 1 {
		warmS = fmt.Sprintf("%.3f", warm.Seconds())
	}
	fmt.Fprintf(os.Stderr, "duckdb: rows=%d cold_s=%.3f warm_s=%s runs=%d mb=%.1f version=%s\n",
		rows, cold.Seconds(), warmS, runs, float64(st.Size())/1e6, version)
	return nil
}

// runOnce runs the query and writes its rows as NDJSON to w; the time includes fetching every row.
func runOnce(ctx context.Context, db *sql.DB, query, data string, w io.Writer, names string) (int, error) {
	var args []any
	if strings.Contains(query, "$path") {
		args = append(args, sql.Named("path", data))
	}
	rs, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return 0, err
	}
	keys := cols
	if names != "" {
		if k := strings.Split(names, ","); len(k) == len(cols) {
			keys = k
		}
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf []byte
	n := 0
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
		if w == io.Discard {
			continue
		}
		buf = append(buf[:0], '{')
		first := true
		for i, v := range vals {
			if !v.Valid {
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = appendJSONString(buf, keys[i])
			buf = append(buf, ':')
			buf = appendJSONString(buf, v.String)
		}
		buf = append(buf, '}', '\n')
		if _, err := w.Write(buf); err != nil {
			return n, err
		}
	}
	return n, rs.Err()
}

func appendJSONString(dst []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(dst, strings.TrimSuffix(sb.String(), "\n")...)
}
