package engine

import (
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// aggPlan compiles an aggregate stage (groupBy, stats, count, sum, top,
// timeChart, bucket…), or returns nil when call is not one.
func (c *compiler) aggPlan(call *cql.Call) *aggPlan {
	name := strings.ToLower(call.Name)
	switch name {
	case "groupby":
		fields := c.fieldsArg(call, "field")
		if len(fields) == 0 {
			c.failf(call.At, "groupBy() needs the fields to group by")
		}
		p := &aggPlan{name: "groupBy", keys: getters(fields), keyNames: fields,
			limit:    c.intArg(call, "limit", defaultGroupLimit, maxGroupLimit),
			limitArg: "groupBy(…, limit=max) or a larger limit="}
		if a, ok := call.Arg("function"); ok {
			p.fns = c.aggFns(a)
		} else {
			p.fns = []aggFn{&countFn{as: "_count"}}
		}
		return p
	case "count", "sum", "avg", "min", "max", "stddev", "collect", "selectlast", "selectfrommax",
		"selectfrommin", "series", "percentile", "stats":
		return &aggPlan{name: cql.Lookup(name).Name, fns: []aggFn{c.aggFn(call)}, limit: -1, always: true}
	case "top":
		return c.topPlan(call)
	case "timechart", "bucket":
		return c.bucketPlan(call, name == "timechart")
	}
	return nil
}

// topPlan: top(field, limit=10, percent=false, rest, sum, max, as): the most
// frequent values (or those with the largest sum or max of another field),
// counted exactly.
func (c *compiler) topPlan(call *cql.Call) *aggPlan {
	fields := c.fieldsArg(call, "field")
	if len(fields) == 0 {
		c.failf(call.At, "top() needs a field")
	}
	limit := c.intArg(call, "limit", 10, maxGroupLimit)
	percent := c.boolArg(call, "percent", false)
	rest, hasRest := "", false
	if _, ok := call.Arg("rest"); ok {
		rest, hasRest = c.wordArg(call, "rest", ""), true
	}
	var fn aggFn
	out := ""
	switch {
	case hasArg(call, "sum"):
		out = c.wordArg(call, "as", "_sum")
		fn = &numFn{kind: "sum", get: fieldGetter(c.fieldArg(call, "sum", "")), as: out}
	case hasArg(call, "max"):
		out = c.wordArg(call, "as", "_max")
		fn = &numFn{kind: "max", get: fieldGetter(c.fieldArg(call, "max", "")), as: out}
	default:
		out = c.wordArg(call, "as", "_count")
		fn = &countFn{as: out}
	}
	p := &aggPlan{name: "top", keys: getters(fields), keyNames: fields, fns: []aggFn{fn}, limit: -1}
	p.finish = func(rows []*event.Event, _ []*group, _ *runState) []*event.Event {
		total := 0.0
		for _, r := range rows {
			v, _ := r.Get(out)
			f, _ := parseNum(v)
			total += f
		}
		sortRowsBy(rows, out, true)
		restSum, cut := 0.0, false
		if limit >= 0 && len(rows) > limit {
			cut = true
			for _, r := range rows[limit:] {
				v, _ := r.Get(out)
				f, _ := parseNum(v)
				restSum += f
			}
			rows = rows[:limit]
		}
		if hasRest && cut {
			r := &event.Event{}
			for _, f := range fields {
				r.Set(f, rest)
			}
			r.Set(out, cql.FormatNumber(restSum))
			rows = append(rows, r)
		}
		if percent && total > 0 {
			for _, r := range rows {
				v, _ := r.Get(out)
				f, _ := parseNum(v)
				r.Set("percent", cql.FormatNumber(f/total*100))
			}
		}
		return rows
	}
	return p
}

func hasArg(call *cql.Call, name string) bool {
	_, ok := call.Arg(name)
	return ok
}

// bucketPlan: timeChart(series, function=count(), span=auto, limit=10) and
// bucket(span, field=[…], function=count(), limit=10): one row per time
// bucket (and series value), with _bucket holding the bucket start in
// epoch milliseconds.
func (c *compiler) bucketPlan(call *cql.Call, chart bool) *aggPlan {
	fname := "bucket"
	var fields []string
	if chart {
		fname = "timeChart"
		if a, ok := call.Arg("series"); ok {
			fields = namesOf(a)
		}
	} else {
		fields = c.fieldsArg(call, "field")
	}
	b := &bucketSpec{buckets: c.intArg(call, "buckets", 127, 1000000)}
	if a, ok := call.Arg("span"); ok {
		text := c.wordArg(call, "span", "")
		if !strings.EqualFold(text, "auto") {
			ms, ok := parseDuration(text)
			if !ok || ms <= 0 {
				c.failf(a.Position(), "%s(): %q is not a span such as 1min, 30s, 1h or 7d", fname, text)
			}
			b.span = ms
		}
	}
	p := &aggPlan{name: fname, keys: getters(fields), keyNames: fields, bucket: b, limit: -1}
	if a, ok := call.Arg("function"); ok {
		p.fns = c.aggFns(a)
	} else {
		p.fns = []aggFn{&countFn{as: "_count"}}
	}
	series := c.intArg(call, "limit", 10, 500)
	p.finish = func(rows []*event.Event, groups []*group, rs *runState) []*event.Event {
		if len(fields) > 0 && series >= 0 {
			// keep the series with the most events
			type sv struct {
				key   string
				n     int64
				first int
			}
			idx := map[string]*sv{}
			var all []*sv
			for i, g := range groups {
				k := strings.Join(g.key, "\x00")
				s := idx[k]
				if s == nil {
					s = &sv{key: k, first: i}
					idx[k] = s
					all = append(all, s)
				}
				s.n += g.n
			}
			if len(all) > series {
				sortStable(all, func(a, b *sv) bool { return a.n > b.n })
				keep := map[string]bool{}
				for _, s := range all[:series] {
					keep[s.key] = true
				}
				var kept []*event.Event
				var keptG []*group
				for i, g := range groups {
					if keep[strings.Join(g.key, "\x00")] {
						kept = append(kept, rows[i])
						keptG = append(keptG, g)
					}
				}
				rs.warnf("%s: %d series, only the %d with the most events are shown (raise limit=)", fname, len(all), series)
				rows, groups = kept, keptG
			}
		}
		// order by bucket, then first seen
		order := make([]int, len(rows))
		for i := range order {
			order[i] = i
		}
		sortStable(order, func(a, b int) bool { return groups[a].ts < groups[b].ts })
		out := make([]*event.Event, len(rows))
		for i, j := range order {
			out[i] = rows[j]
		}
		return out
	}
	return p
}

// parseDuration reads LogScale's relative time: 500ms, 30s, 5m, 60min,
// 1h, 7d, 2w, 1y (also sec, second(s), minute(s), hr, hour(s), day(s),
// week(s), year(s)); a bare number is milliseconds.
func parseDuration(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	var ms float64
	switch unit {
	case "", "ms", "millis", "millisecond", "milliseconds":
		ms = 1
	case "s", "sec", "secs", "second", "seconds":
		ms = 1000
	case "m", "min", "mins", "minute", "minutes":
		ms = 60000
	case "h", "hr", "hrs", "hour", "hours":
		ms = 3600000
	case "d", "day", "days":
		ms = 86400000
	case "w", "week", "weeks":
		ms = 7 * 86400000
	case "y", "year", "years":
		ms = 365 * 86400000
	default:
		return 0, false
	}
	return int64(n * ms), true
}
