package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/source"
)

// readerSetup turns the input flags into reader options and the engine's
// decoder for raw NDJSON lines.
func readerSetup(fl inputFlags) (source.Options, func() engine.Decoder, error) {
	if !source.KnownFormat(fl.inputFormat) {
		return source.Options{}, nil, usageErr("unknown --input-format %q (formats: %s; 'lanner formats' shows examples)",
			fl.inputFormat, strings.Join(source.FormatNames(), ", "))
	}
	opts := source.Options{Format: fl.inputFormat, Workers: fl.workers}
	if fl.aidmaster != "" || fl.userinfo != "" {
		lk, err := source.LoadLookups(fl.aidmaster, fl.userinfo)
		if err != nil {
			return source.Options{}, nil, usageErr("%v", err)
		}
		opts.Lookups = lk
	}
	return opts, source.DecoderFactory(opts.Lookups), nil
}

func newFormatsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the input formats lanner reads, with an example of each",
		Long: `List the input formats. Each file's format is recognised from its content
(after gzip/zstd decompression); --input-format NAME reads every file as NAME.
Every format is normalised to Falcon field names (see docs/sources.md), so one
query runs over all of them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := os.Stdout
			fmt.Fprintf(w, "%-10s  %s\n", "auto", "the default: recognise each file's format from its first bytes")
			for _, f := range source.Formats {
				fmt.Fprintf(w, "\n%-10s  %s\n", f.Name, f.Description)
				for _, line := range strings.Split(f.Example, "\n") {
					fmt.Fprintf(w, "%-10s    %s\n", "", line)
				}
			}
			return nil
		},
	}
}
