package engine

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// callStage compiles a per-event function used as a stage.
func (c *compiler) callStage(call *cql.Call) step {
	c.checkArgs(call)
	spec := cql.Lookup(call.Name)
	if spec == nil {
		if strings.HasPrefix(call.Name, "$") {
			c.failf(call.At, "saved search %s() is not defined: give a folder of saved searches with --saved DIR (%s)", call.Name, savedPath(call.Name))
		}
		c.failf(call.At, "unknown function %s", call.Name)
	}
	c.refuseOnline(call)
	if spec.Filter {
		return step(c.callFilter(call, true))
	}
	if st := c.stage2(call, strings.ToLower(spec.Name)); st != nil {
		return st
	}
	if st := c.lookupStage(call); st != nil {
		return st
	}
	switch spec.Name {
	case "select":
		fields := c.fieldsArg(call, "fields")
		return func(e *event.Event) bool {
			keys := make([]string, 0, len(fields))
			vals := make([]string, 0, len(fields))
			for _, f := range fields {
				if v, ok := e.Get(f); ok {
					keys = append(keys, f)
					vals = append(vals, v)
				}
			}
			e.Keys, e.Vals, e.NOrig = keys, vals, 0
			return true
		}
	case "drop":
		fields := c.fieldsArg(call, "fields")
		return func(e *event.Event) bool {
			for _, f := range fields {
				e.Delete(f)
			}
			return true
		}
	case "rename":
		pairs := c.renamePairs(call)
		return func(e *event.Event) bool {
			for _, p := range pairs {
				if v, ok := e.Get(p[0]); ok {
					e.Delete(p[0])
					e.Set(p[1], v)
				}
			}
			return true
		}
	case "default":
		val := c.wordArg(call, "value", "")
		if _, ok := call.Arg("value"); !ok {
			c.failf(call.At, "default() needs a value")
		}
		fields := c.fieldsArg(call, "field")
		if len(fields) == 0 {
			c.failf(call.At, "default() needs field=")
		}
		replaceEmpty := c.boolArg(call, "replaceEmpty", false)
		return func(e *event.Event) bool {
			for _, f := range fields {
				if v, ok := e.Get(f); !ok || replaceEmpty && v == "" {
					e.Set(f, val)
				}
			}
			return true
		}
	case "eval":
		c.failf(call.At, "eval() needs assignments: eval(field = expression)")
	}
	if fn, as := c.valueFuncAs(call); fn != nil {
		return func(e *event.Event) bool {
			if v, ok := fn(e); ok {
				e.Set(as, v)
			}
			return true
		}
	}
	c.failf(call.At, "unsupported function %s", spec.Name)
	return nil
}

func (c *compiler) renamePairs(call *cql.Call) [][2]string {
	a, ok := call.Arg("field")
	if !ok {
		c.failf(call.At, "rename() needs field=")
	}
	if arr, isArr := a.(*cql.ArrayExpr); isArr {
		if _, hasAs := call.Arg("as"); !hasAs {
			var out [][2]string
			for _, el := range arr.Elems {
				pair, ok := el.(*cql.ArrayExpr)
				if !ok || len(pair.Elems) != 2 {
					c.failf(el.Position(), "rename() wants [[old, new], …]")
				}
				out = append(out, [2]string{namesOf(pair.Elems[0])[0], namesOf(pair.Elems[1])[0]})
			}
			return out
		}
	}
	from := c.fieldArg(call, "field", "")
	to := c.fieldArg(call, "as", "")
	return [][2]string{{from, to}}
}

// valueFunc compiles a field function (lower, upper, length, concat,
// format) to its value, for use inside expressions.
func (c *compiler) valueFunc(call *cql.Call) exprFn {
	fn, _ := c.valueFuncAs(call)
	return fn
}

// valueFuncAs also returns the output field (as=, or the default _name).
func (c *compiler) valueFuncAs(call *cql.Call) (exprFn, string) {
	c.checkArgs(call)
	spec := cql.Lookup(call.Name)
	if spec == nil {
		return nil, ""
	}
	as := c.wordArg(call, "as", "_"+strings.ToLower(spec.Name))
	switch spec.Name {
	case "lower", "upper":
		get := fieldGetter(c.fieldArg(call, "field", ""))
		up := spec.Name == "upper"
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			if up {
				return strings.ToUpper(v), true
			}
			return strings.ToLower(v), true
		}, as
	case "length":
		get := fieldGetter(c.fieldArg(call, "field", ""))
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			return strconv.Itoa(utf8.RuneCountInString(v)), true
		}, as
	case "concat":
		fields := c.fieldsArg(call, "field")
		var gets []getter
		for _, f := range fields {
			gets = append(gets, fieldGetter(f))
		}
		return func(e *event.Event) (string, bool) {
			var b strings.Builder
			any := false
			for _, g := range gets {
				if v, ok := g(e); ok {
					b.WriteString(v)
					any = true
				}
			}
			return b.String(), any
		}, as
	case "format":
		f := c.wordArg(call, "format", "")
		if _, ok := call.Arg("format"); !ok {
			c.failf(call.At, "format() needs a format string")
		}
		verbs, err := parseFormat(f)
		if err != nil {
			a, _ := call.Arg("format")
			c.failf(a.Position(), "format(): %v", err)
		}
		var gets []getter
		for _, fl := range c.fieldsArg(call, "field") {
			gets = append(gets, fieldGetter(fl))
		}
		return func(e *event.Event) (string, bool) { return runFormat(verbs, gets, e) }, as
	}
	return c.valueFunc2(call, strings.ToLower(spec.Name))
}

// formatVerb is one piece of a format string: literal text or a %-verb
// with Java-printf flags, width, precision and argument index.
type formatVerb struct {
	lit       string
	verb      byte
	flags     string
	width     string
	prec      string
	index     int // 1-based explicit argument index, 0 = next
	isLiteral bool
}

func parseFormat(f string) ([]formatVerb, error) {
	var out []formatVerb
	var lit strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			lit.WriteByte('%')
			i++
			continue
		}
		if i+1 < len(f) && f[i+1] == 'n' {
			lit.WriteByte('\n')
			i++
			continue
		}
		if lit.Len() > 0 {
			out = append(out, formatVerb{lit: lit.String(), isLiteral: true})
			lit.Reset()
		}
		j := i + 1
		v := formatVerb{}
		// argument index n$
		k := j
		for k < len(f) && f[k] >= '0' && f[k] <= '9' {
			k++
		}
		if k < len(f) && f[k] == '$' && k > j {
			v.index, _ = strconv.Atoi(f[j:k])
			j = k + 1
		}
		for j < len(f) && strings.IndexByte("-+ 0,#(", f[j]) >= 0 {
			v.flags += string(f[j])
			j++
		}
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			v.width += string(f[j])
			j++
		}
		if j < len(f) && f[j] == '.' {
			j++
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				v.prec += string(f[j])
				j++
			}
		}
		if j >= len(f) {
			return nil, fmt.Errorf("format ends inside a %% specifier")
		}
		switch f[j] {
		case 's', 'S', 'd', 'i', 'x', 'X', 'o', 'f', 'F', 'e', 'E', 'g', 'G', 'c', 'b', 'B':
			v.verb = f[j]
		default:
			return nil, fmt.Errorf("unsupported specifier %%%c", f[j])
		}
		out = append(out, v)
		i = j
	}
	if lit.Len() > 0 {
		out = append(out, formatVerb{lit: lit.String(), isLiteral: true})
	}
	return out, nil
}

// runFormat renders the verbs; a numeric verb on a non-number gives null,
// as LogScale's format() does.
func runFormat(verbs []formatVerb, gets []getter, e *event.Event) (string, bool) {
	var b strings.Builder
	next := 0
	for _, v := range verbs {
		if v.isLiteral {
			b.WriteString(v.lit)
			continue
		}
		idx := next
		if v.index > 0 {
			idx = v.index - 1
		} else {
			next++
		}
		val, ok := "", false
		if idx < len(gets) {
			val, ok = gets[idx](e)
		}
		flags := strings.ReplaceAll(v.flags, ",", "")
		spec := "%" + flags + v.width
		if v.prec != "" {
			spec += "." + v.prec
		}
		switch v.verb {
		case 's', 'S':
			if !ok {
				val = "null"
			}
			s := fmt.Sprintf(spec+"s", val)
			if v.verb == 'S' {
				s = strings.ToUpper(s)
			}
			b.WriteString(s)
		case 'b', 'B':
			b.WriteString(fmt.Sprintf("%"+flags+v.width+"s", boolStr(ok && truthy(val, ok) || ok && val != "false" && val != "")))
		case 'c':
			r, _ := utf8.DecodeRuneInString(val)
			if n, isNum := cql.ParseNumber(val); isNum {
				r = rune(n)
			}
			b.WriteString(fmt.Sprintf(spec+"c", r))
		case 'd', 'i', 'x', 'X', 'o':
			f, isNum := cql.ParseNumber(val)
			if !ok || !isNum || f != float64(int64(f)) {
				return "", false
			}
			verb := string(v.verb)
			if verb == "i" {
				verb = "d"
			}
			s := fmt.Sprintf(spec+verb, int64(f))
			if strings.Contains(v.flags, ",") && verb == "d" {
				s = groupThousands(s)
			}
			b.WriteString(s)
		default: // f F e E g G
			f, isNum := cql.ParseNumber(val)
			if !ok || !isNum {
				return "", false
			}
			verb := string(v.verb)
			if verb == "F" {
				verb = "f"
			}
			if v.prec == "" && (verb == "f" || verb == "e" || verb == "E") {
				spec += ".6"
			}
			b.WriteString(fmt.Sprintf(spec+verb, f))
		}
	}
	return b.String(), true
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	lead := len(s) - len(strings.TrimLeft(s, " "))
	digits := s[lead:]
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	return s[:lead] + out
}
