package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/sigma"
	"github.com/lanner-dev/lanner/translate"
)

func newConvertCmd() *cobra.Command {
	var to, variant string
	cmd := &cobra.Command{
		Use:   "convert RULE|FILE --to logscale|sigma|spl|kql|esql|eql",
		Short: "Translate a rule into canonical CQL, Sigma, Splunk SPL, KQL, ES|QL or EQL",
		Long: `Translate a detection into another language. RULE is a built-in rule id; FILE is a
.cql query or a Sigma rule (.yml). --to logscale prints canonical CQL (for a Sigma rule,
the query lanner runs); --to sigma writes a Sigma rule (the rule's alerting part: Sigma
cannot compute the suspicion level); spl, kql, esql and eql keep case-insensitivity and
anchoring (docs/translate.md lists what each target can and cannot express).
--variant picks the KQL data model: defender (DeviceProcessEvents, the default),
sentinel-security (SecurityEvent 4688) or sentinel-sysmon (the Sysmon parser).`,
		Example: `  lanner convert T1204.001 --to sigma > t1204_001.yml
  lanner convert T1204.001 --to kql --variant sentinel-security
  lanner convert rule.yml --to spl
  lanner convert query.cql --to esql`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ok := false
			for _, t := range translate.Targets {
				ok = ok || t == to
			}
			if !ok {
				return usageErr("--to %q: one of %s", to, strings.Join(translate.Targets, ", "))
			}
			out, err := convert(args[0], to, translate.Options{Variant: variant})
			if err != nil {
				return err
			}
			fmt.Print(out)
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "target `LANGUAGE`: "+strings.Join(translate.Targets, ", "))
	cmd.Flags().StringVar(&variant, "variant", "", "KQL data model: "+strings.Join(translate.KQLVariants, ", "))
	return cmd
}

// convert translates a built-in rule, a .cql file or a Sigma file.
func convert(arg, to string, opts translate.Options) (string, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		data, err := os.ReadFile(arg)
		if err != nil {
			return "", usageErr("%v", err)
		}
		switch strings.ToLower(filepath.Ext(arg)) {
		case ".yml", ".yaml":
			return convertSigma(arg, data, to, opts)
		}
		q, err := cql.Parse(string(data))
		if err != nil {
			return "", queryError(arg, string(data), err)
		}
		name := strings.TrimSuffix(filepath.Base(arg), filepath.Ext(arg))
		return translated(q, to, translate.Meta{ID: name, Title: name, Description: "Query " + filepath.Base(arg) + ".", Level: "medium"}, opts)
	}
	rules, err := detect.Builtin()
	if err != nil {
		return "", err
	}
	for _, r := range rules {
		if strings.EqualFold(r.ID, arg) {
			q, err := cql.Parse(r.Query)
			if err != nil {
				return "", queryError(r.Source+"/query.cql", r.Query, err)
			}
			return translated(q, to, ruleMeta(r), opts)
		}
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
	}
	return "", usageErr("%s is neither a file nor a built-in rule (rules: %s)", arg, strings.Join(ids, ", "))
}

func translated(q *cql.Query, to string, m translate.Meta, opts translate.Options) (string, error) {
	out, err := translate.Translate(q, to, m, opts)
	if err != nil {
		return "", usageErr("%s: %v", m.ID, err)
	}
	return out, nil
}

// ruleMeta is what a translation says about a built-in rule.
func ruleMeta(r *detect.Rule) translate.Meta {
	m := translate.Meta{ID: r.ID, Title: r.Title, Description: strings.TrimSpace(r.Description), Status: r.Status,
		Level: r.Severity, References: r.References, FalsePositives: r.FalsePositives}
	if t := r.Attack.TacticName(); t != "" {
		m.Tags = append(m.Tags, "attack."+detect.TacticSlug(t))
	}
	if id := r.Attack.Most(); id != "" {
		m.Tags = append(m.Tags, "attack."+strings.ToLower(id))
	}
	return m
}

// convertSigma translates each rule of a Sigma file.
func convertSigma(path string, data []byte, to string, opts translate.Options) (string, error) {
	set := sigma.LoadBytes(data, path, sigma.Options{})
	if len(set.Rules) == 0 {
		var why []string
		for _, e := range set.Skipped {
			why = append(why, e.Error())
		}
		return "", usageErr("no Sigma rule loaded from %s:\n  %s", path, strings.Join(why, "\n  "))
	}
	for _, e := range set.Skipped {
		fmt.Fprintf(os.Stderr, "lanner: not loaded: %v\n", e)
	}
	var parts []string
	for _, c := range set.Rules {
		r := c.Rule
		if to == "sigma" {
			b, err := yaml.MarshalWithOptions(r.Doc, yaml.Indent(4), yaml.IndentSequence(true))
			if err != nil {
				return "", err
			}
			parts = append(parts, string(b))
			continue
		}
		m := translate.Meta{ID: r.Key(), Title: r.Title, Description: r.Description, Status: r.Status, Level: r.Level,
			References: r.References, FalsePositives: r.FalsePositives, Tags: r.Tags, Author: r.Author}
		out, err := translated(c.Query, to, m, opts)
		if err != nil {
			return "", err
		}
		parts = append(parts, out)
	}
	sep := "\n"
	if to == "sigma" {
		sep = "---\n"
	}
	return strings.Join(parts, sep), nil
}
