package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/output"
)

func newQueryCmd() *cobra.Command {
	var fl inputFlags
	var file string
	var strict, explain bool
	var params []string
	var lookupDir, savedDir, since, until string
	cmd := &cobra.Command{
		Use:   "query [QUERY] [PATH…]",
		Short: "Run one CQL query over files, directories or stdin",
		Long: `Run one LogScale (CQL) query. The query is the first argument, or comes from a
file with -f. PATH is a file or directory (read recursively); '-' or no PATH reads stdin.
gzip and zstd input is recognised by content. The seed's detection dialect is accepted
(eval x := …, positional if(), case(), fields, limit, != null); --strict refuses it.`,
		Example: `  lanner query '#event_simpleName=ProcessRollup2 FileName=/powershell/i | select([ComputerName, CommandLine])' events.ndjson.gz
  lanner query -f rules/T1204.001/query.cql --format csv fdr/ > hits.csv
  zcat events.gz | lanner query 'CommandLine=*-enc*' --format ndjson | jq .`,
		RunE: func(cmd *cobra.Command, args []string) error {
			src := ""
			name := "query"
			if file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return usageErr("%v", err)
				}
				src, name = string(b), file
			} else {
				if len(args) == 0 {
					return usageErr("no query: give it as the first argument or with -f FILE")
				}
				src, args = args[0], args[1:]
			}
			format, err := outputFormat(fl.format)
			if err != nil {
				return err
			}
			eopts, pmap, err := queryOptions(params, lookupDir, savedDir, since, until)
			if err != nil {
				return err
			}
			q, err := cql.ParseWith(src, cql.Options{Strict: strict, Params: pmap})
			if err != nil {
				return queryError(name, src, err)
			}
			for _, d := range q.Diags {
				if strict || explain {
					fmt.Fprintf(os.Stderr, "lanner: %s:%s\n", name, d)
				}
			}
			if explain {
				fmt.Fprintln(os.Stderr, "lanner: canonical form:\n"+q.String())
			}
			prog, err := engine.Compile(q, eopts)
			if err != nil {
				return queryError(name, src, err)
			}
			for _, w := range prog.Warnings {
				fmt.Fprintf(os.Stderr, "lanner: warning: %s\n", w)
			}
			ins, _, err := inputs(args, false)
			if err != nil {
				return err
			}
			col := &engine.Collect{}
			var sink engine.Sink = col
			streaming := format == "ndjson"
			w := newLineWriter(os.Stdout)
			if streaming {
				sink = engine.SinkFunc(func(e *eventT) { w.row("", false, e) })
			}
			res, runErr := runPrograms([]*engine.Program{prog}, ins, fl, []engine.Sink{sink})
			w.flush()
			if !streaming && res != nil {
				sec := &output.Section{Fields: prog.Fields, Rows: col.Rows}
				if err := output.Write(os.Stdout, format, []*output.Section{sec}, output.Options{Width: termWidth()}); err != nil {
					return err
				}
			}
			if res != nil {
				st := res.stats[0]
				res.summary(os.Stderr, fmt.Sprintf("%s matched, %s rows", num(st.Matched), num(st.Rows)))
			}
			if runErr != nil {
				return runErr
			}
			return res.inputErrors(os.Stderr)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "read the query from `FILE`")
	f.BoolVar(&strict, "strict", false, "LogScale's own semantics: refuse the seed's dialect forms")
	f.BoolVar(&explain, "explain", false, "print the dialect notes and the canonical query on stderr")
	f.StringArrayVar(&params, "param", nil, "set the query parameter ?`name=value` (repeatable)")
	f.StringVar(&lookupDir, "lookup-dir", "", "folder of CSV/JSON lookup files for match(file=…) and readFile()")
	f.StringVar(&savedDir, "saved", "", "folder of saved searches for $name() (name.cql, package/name.cql)")
	f.StringVar(&since, "since", "", "only events with @timestamp at or after `T` (RFC 3339, or relative: 24h, 7d)")
	f.StringVar(&until, "until", "", "only events with @timestamp before `T` (RFC 3339, or relative)")
	addInputFlags(f, &fl)
	return cmd
}

// queryOptions reads the query flags.
func queryOptions(params []string, lookupDir, savedDir, since, until string) (engine.Options, map[string]string, error) {
	opts := engine.Options{Now: time.Now(), LookupDir: lookupDir, SavedDir: savedDir}
	pmap := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return opts, nil, usageErr("--param wants name=value, found %q", p)
		}
		pmap[k] = v
	}
	var err error
	if since != "" {
		if opts.Since, err = engine.ParseTimeBound(since, opts.Now); err != nil {
			return opts, nil, usageErr("--since: %v", err)
		}
	}
	if until != "" {
		if opts.Until, err = engine.ParseTimeBound(until, opts.Now); err != nil {
			return opts, nil, usageErr("--until: %v", err)
		}
	}
	return opts, pmap, nil
}
