// Package rules embeds the built-in detection packs: one folder per rule
// with rule.yml (metadata) and query.cql (the query, verbatim).
package rules

import "embed"

// FS holds every built-in pack.
//
//go:embed */rule.yml */query.cql
var FS embed.FS
