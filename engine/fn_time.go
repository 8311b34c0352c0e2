package engine

import (
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones by name on every platform

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// Time: formatTime(), parseTimestamp(), now(), start(), end(),
// duration(), and the --since/--until bound.

// parseEpoch reads an epoch time as milliseconds. unit is "auto" (values up
// to 100,000,000,000 are seconds, larger ones milliseconds, as LogScale's
// formatTime does), "seconds" or "milliseconds".
func parseEpoch(v, unit string) (int64, bool) {
	f, ok := parseNum(v)
	if !ok {
		return 0, false
	}
	switch unit {
	case "seconds", "s":
		f *= 1000
	case "milliseconds", "ms":
	default:
		if math.Abs(f) <= 100000000000 {
			f *= 1000
		}
	}
	return int64(math.Floor(f)), true
}

func (c *compiler) location(call *cql.Call, def string) *time.Location {
	tz := c.wordArg(call, "timezone", def)
	loc, err := loadLocation(tz)
	if err != nil {
		c.failf(call.At, "%s(): unknown time zone %q", call.Name, tz)
	}
	return loc
}

func loadLocation(tz string) (*time.Location, error) {
	switch strings.ToUpper(tz) {
	case "", "Z", "UTC", "GMT":
		return time.UTC, nil
	}
	if len(tz) >= 3 && (tz[0] == '+' || tz[0] == '-') {
		// +02:00, -0500
		s := strings.ReplaceAll(tz[1:], ":", "")
		if n, err := strconv.Atoi(s); err == nil {
			h, m := n/100, n%100
			if len(s) <= 2 {
				h, m = n, 0
			}
			off := h*3600 + m*60
			if tz[0] == '-' {
				off = -off
			}
			return time.FixedZone(tz, off), nil
		}
	}
	return time.LoadLocation(tz)
}

// formatTimeFn: formatTime(format, field=@timestamp, as, timezone=UTC,
// locale, unit=auto) with strftime-style specifiers.
func (c *compiler) formatTimeFn(call *cql.Call) (exprFn, string) {
	format := c.wordArg(call, "format", "")
	if !hasArg(call, "format") {
		c.failf(call.At, "formatTime() needs a format such as \"%%Y-%%m-%%d %%H:%%M:%%S\"")
	}
	get := fieldGetter(c.fieldArg(call, "field", "@timestamp"))
	loc := c.location(call, "UTC")
	unit := strings.ToLower(c.wordArg(call, "unit", "auto"))
	return func(e *event.Event) (string, bool) {
		v, ok := get(e)
		if !ok {
			return "", false
		}
		ms, ok := parseEpoch(v, unit)
		if !ok {
			return "", false
		}
		return strftime(format, time.UnixMilli(ms).In(loc)), true
	}, c.wordArg(call, "as", "_formattime")
}

var (
	longDays    = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	longMonths  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	twoDigits   = func(n int) string { return pad(n, 2) }
	threeDigits = func(n int) string { return pad(n, 3) }
)

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

// strftimeLayouts are the specifiers that are a Go layout of their own.
var strftimeLayouts = map[byte]string{
	'F': "2006-01-02", 'D': "01/02/06", 'T': "15:04:05", 'R': "15:04", 'r': "03:04:05 PM",
	'c': "Mon Jan 02 15:04:05 MST 2006", 'Z': "MST", 'z': "-0700",
}

// strftime renders t with the specifiers of LogScale's formatTime().
func strftime(f string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		if layout, ok := strftimeLayouts[f[i]]; ok {
			b.WriteString(t.Format(layout))
			continue
		}
		switch f[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			b.WriteString(twoDigits(t.Year() % 100))
		case 'C':
			b.WriteString(twoDigits(t.Year() / 100))
		case 'm':
			b.WriteString(twoDigits(int(t.Month())))
		case 'd':
			b.WriteString(twoDigits(t.Day()))
		case 'e':
			b.WriteString(pad(t.Day(), 1))
		case 'H':
			b.WriteString(twoDigits(t.Hour()))
		case 'k':
			b.WriteString(strconv.Itoa(t.Hour()))
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(twoDigits(h))
		case 'l':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(strconv.Itoa(h))
		case 'M':
			b.WriteString(twoDigits(t.Minute()))
		case 'S':
			b.WriteString(twoDigits(t.Second()))
		case 'L':
			b.WriteString(threeDigits(t.Nanosecond() / 1e6))
		case 'N':
			b.WriteString(pad(t.Nanosecond(), 9))
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'A':
			b.WriteString(longDays[t.Weekday()])
		case 'a':
			b.WriteString(longDays[t.Weekday()][:3])
		case 'B':
			b.WriteString(longMonths[t.Month()-1])
		case 'b', 'h':
			b.WriteString(longMonths[t.Month()-1][:3])
		case 'j':
			b.WriteString(threeDigits(t.YearDay()))
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(strconv.Itoa(wd))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'Q':
			b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
		case 'V':
			_, w := t.ISOWeek()
			b.WriteString(twoDigits(w))
		case 'G':
			y, _ := t.ISOWeek()
			b.WriteString(strconv.Itoa(y))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// parseTimestampFn: parseTimestamp(format, field, as=@timestamp, timezone):
// reads a time written in a Java-style pattern (yyyy-MM-dd'T'HH:mm:ss.SSSXXX),
// or one of the special formats seconds, milliseconds, unixtime,
// unixTimeSeconds, unixTimeMillis; the result is epoch milliseconds.
func (c *compiler) parseTimestampFn(call *cql.Call) (exprFn, string) {
	format := c.wordArg(call, "format", "yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX")
	get := rawOrField(c.fieldArg(call, "field", "@rawstring"))
	loc := c.location(call, "UTC")
	as := c.wordArg(call, "as", "@timestamp")
	switch strings.ToLower(format) {
	case "seconds", "unixtime", "unixtimeseconds":
		return epochFn(get, "seconds"), as
	case "milliseconds", "millis", "unixtimemillis":
		return epochFn(get, "milliseconds"), as
	}
	layouts, err := javaLayouts(format)
	if err != nil {
		c.failf(call.At, "parseTimestamp(): %v", err)
	}
	return func(e *event.Event) (string, bool) {
		v, ok := get(e)
		if !ok {
			return "", false
		}
		v = strings.TrimSpace(v)
		for _, l := range layouts {
			if t, err := time.ParseInLocation(l, v, loc); err == nil {
				return strconv.FormatInt(t.UnixMilli(), 10), true
			}
		}
		return "", false
	}, as
}

func epochFn(get getter, unit string) exprFn {
	return func(e *event.Event) (string, bool) {
		v, ok := get(e)
		if !ok {
			return "", false
		}
		ms, ok := parseEpoch(v, unit)
		if !ok {
			return "", false
		}
		return strconv.FormatInt(ms, 10), true
	}
}

// javaLayouts translates a Java DateTimeFormatter pattern into Go layouts:
// one per choice of the optional sections in [ ].
func javaLayouts(p string) ([]string, error) {
	// expand optional sections (one level, which is what real formats use)
	variants := []string{""}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, errString("unclosed [ in format")
			}
			opt := p[i+1 : i+j]
			var next []string
			for _, v := range variants {
				next = append(next, v, v+opt)
			}
			variants = next
			i += j
		case '\'':
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return nil, errString("unclosed quote in format")
			}
			for k := range variants {
				variants[k] += p[i : i+j+2]
			}
			i += j + 1
		default:
			for k := range variants {
				variants[k] += p[i : i+1]
			}
		}
	}
	var out []string
	for i := len(variants) - 1; i >= 0; i-- {
		l, err := javaLayout(variants[i])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func javaLayout(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j == 0 {
				b.WriteByte('\'')
			} else {
				b.WriteString(p[i+1 : i+1+j])
			}
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		var l string
		switch c {
		case 'y', 'u':
			if n == 2 {
				l = "06"
			} else {
				l = "2006"
			}
		case 'M':
			switch {
			case n >= 4:
				l = "January"
			case n == 3:
				l = "Jan"
			case n == 2:
				l = "01"
			default:
				l = "1"
			}
		case 'd', 'H', 'h', 'm', 's':
			// Go's layout for the padded (nn) and plain (n) forms; Go has
			// no unpadded 24-hour hour.
			forms := map[byte][2]string{'d': {"02", "2"}, 'H': {"15", "15"}, 'h': {"03", "3"}, 'm': {"04", "4"}, 's': {"05", "5"}}[c]
			if n == 2 {
				l = forms[0]
			} else {
				l = forms[1]
			}
		case 'S':
			l = strings.Repeat("0", n)
			if b.Len() == 0 || !strings.HasSuffix(b.String(), ".") && !strings.HasSuffix(b.String(), ",") {
				return "", errString("fractions of a second (S) must follow '.' or ','")
			}
		case 'a':
			l = "PM"
		case 'E':
			if n >= 4 {
				l = "Monday"
			} else {
				l = "Mon"
			}
		case 'X':
			switch n {
			case 1:
				l = "Z07"
			case 2:
				l = "Z0700"
			default:
				l = "Z07:00"
			}
		case 'x':
			switch n {
			case 1:
				l = "-07"
			case 2:
				l = "-0700"
			default:
				l = "-07:00"
			}
		case 'Z':
			if n >= 4 {
				l = "-07:00"
			} else {
				l = "-0700"
			}
		case 'z':
			l = "MST"
		case 'V':
			return "", errString("zone ids (VV) are not supported; use timezone=")
		default:
			return "", errString("unsupported pattern letter " + string(c))
		}
		b.WriteString(l)
		i += n
	}
	return b.String(), nil
}

// timeBound drops events whose @timestamp is outside --since/--until.
// Events without a readable @timestamp are kept: a missing timestamp must
// not hide an event.
func (c *compiler) timeBound() step {
	since, until := c.opts.Since, c.opts.Until
	if since.IsZero() && until.IsZero() {
		return nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !since.IsZero() {
		lo = since.UnixMilli()
	}
	if !until.IsZero() {
		hi = until.UnixMilli()
	}
	return func(e *event.Event) bool {
		t, ok := eventTime(e)
		return !ok || t >= lo && t < hi
	}
}

// ParseTimeBound reads --since/--until: RFC 3339 (or a date, or epoch
// milliseconds), or a relative time such as 24h, 7d or 15min before now.
func ParseTimeBound(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, ok := parseDuration(s); ok && !isAllDigits(s) {
		return now.Add(-time.Duration(ms) * time.Millisecond), nil
	}
	if isAllDigits(s) && len(s) >= 10 {
		ms, _ := parseEpoch(s, "auto")
		return time.UnixMilli(ms), nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errString("not a time: " + strconv.Quote(s) + " (RFC 3339 such as 2026-01-02T15:04:05Z, a date, or a relative time such as 24h or 7d)")
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
