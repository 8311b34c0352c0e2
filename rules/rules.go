// Package rules embeds the built-in detection packs: one folder per pack with
// rule.yml (metadata), query.cql (the query, verbatim), companions/ (further
// rules of the pack), tests/ (test cases and atomic tests), tuning/
// (exclusion templates) and playbook.md. docs/rules.md describes the format.
package rules

import "embed"

// FS holds every built-in pack.
//
//go:embed */rule.yml */query.cql */playbook.md */companions/*/rule.yml */companions/*/query.cql */tests */tuning
var FS embed.FS
