// Package stream runs detection rules continuously: it follows files like
// `tail -F`, consumes Kafka topics in a consumer group, runs each rule's
// alerting part over what arrives, writes the alerts to the sinks and only
// then commits what it read (at-least-once; alerts carry deterministic ids
// so the sinks deduplicate replays).
package stream

import (
	"fmt"
	"strings"

	"github.com/lanner-dev/lanner/cql"
)

// Shape says how a rule runs on a stream.
type Shape struct {
	// Aggregates is set when the rule's alerting part (its query without
	// the trailing presentation: sort, head, tail, table, select, drop,
	// rename) still has an aggregating stage (groupBy, count, join…):
	// such a rule needs a window.
	Aggregates bool
	// Stage names the first aggregating stage, with its position.
	Stage string
}

// presentation are the stages a trailing run of which only shapes what
// the user sees: a stream drops them (or their limits).
var presentation = map[string]bool{"sort": true, "head": true, "tail": true, "table": true, "select": true, "drop": true, "rename": true}

// Analyze tells how a rule's query runs on a stream.
func Analyze(query string) (Shape, error) {
	q, err := cql.Parse(query)
	if err != nil {
		return Shape{}, err
	}
	stages := q.Stages
	end := len(stages)
	for end > 0 {
		cs, ok := stages[end-1].(*cql.CallStage)
		if !ok || !presentation[strings.ToLower(cs.Call.Name)] {
			break
		}
		end--
	}
	for _, s := range stages[:end] {
		name := ""
		switch s := s.(type) {
		case *cql.CallStage:
			if spec := cql.Lookup(s.Call.Name); spec != nil && spec.Aggregate {
				name = spec.Name
			}
		case *cql.AssignStage:
			if ce, ok := s.Value.(*cql.CallExpr); ok {
				if spec := cql.Lookup(ce.Call.Name); spec != nil && spec.Aggregate {
					name = spec.Name
				}
			}
		}
		if name != "" {
			return Shape{Aggregates: true, Stage: fmt.Sprintf("%s() at %s", name, s.Position())}, nil
		}
	}
	return Shape{}, nil
}
