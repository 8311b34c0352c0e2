// Command lanner runs LogScale (CQL) detections over endpoint telemetry.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// exitError carries an exit code: 1 for "alerts fired" under
// --fail-on-alert, 2 for usage, query and input errors.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func main() {
	tuneGC()
	root := &cobra.Command{
		Use:   "lanner",
		Short: "Run LogScale (CQL) detections over endpoint telemetry, anywhere",
		Long: `lanner runs CrowdStrike LogScale (CQL) queries and detection rules over endpoint
telemetry files — Falcon events as NDJSON, plain, gzip'd or zstd'd — on a laptop, in CI
or in a pipe. It prints the analyst's triage table, or NDJSON, CSV and JSON for tools.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("lanner {{.Version}}\n")
	root.AddCommand(newDetectCmd(), newQueryCmd(), newFormatsCmd(), newTestCmd(), newSimulateCmd(), newRulesCmd(), newCoverageCmd(), newExplainCmd(), newWatchCmd(), newAlertsCmd(), newConvertCmd())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	if err := root.Execute(); err != nil {
		code := 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if err.Error() != "" {
			fmt.Fprintln(os.Stderr, "lanner: "+err.Error())
		}
		os.Exit(code)
	}
}
