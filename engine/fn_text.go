package engine

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"hash/fnv"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// Per-event functions beyond the basic shaping ones: text, encoding,
// numbers, hashing and parsing.

// online are the functions that need a service lanner does not call.
var online = map[string]string{
	"iplocation": "a geo-IP database",
	"asn":        "an autonomous-system database",
	"rdns":       "a DNS server",
}

func (c *compiler) refuseOnline(call *cql.Call) {
	if what, ok := online[strings.ToLower(call.Name)]; ok {
		c.failf(call.At, "unsupported function %s: needs an online service (%s); lanner runs offline — enrich with match(file=…) from --lookup-dir instead", cql.Lookup(call.Name).Name, what)
	}
}

// exprFuncs are handled by the expression compiler itself.
var exprFuncs = map[string]bool{
	"if": true, "case": true, "coalesce": true, "getfield": true, "now": true, "start": true,
	"end": true, "duration": true, "true": true, "false": true, "eval": true,
}

// assignCall compiles `field := fn(…)` as fn(…, as=field) for functions
// that have an as= parameter; nil means it is an ordinary expression.
func (c *compiler) assignCall(field string, call *cql.Call) step {
	spec := cql.Lookup(call.Name)
	if spec == nil || !spec.HasParam("as") || spec.Filter || spec.Aggregate || exprFuncs[strings.ToLower(spec.Name)] {
		return nil
	}
	cp := *call
	cp.Args = nil
	for _, a := range call.Args {
		if a.Name != "as" {
			cp.Args = append(cp.Args, a)
		}
	}
	cp.Args = append(cp.Args, cql.Arg{At: call.At, Name: "as", Value: &cql.FieldRef{At: call.At, Name: field}})
	return c.callStage(&cp)
}

// valueFunc2 compiles the single-valued functions of this file; as is the
// output field.
func (c *compiler) valueFunc2(call *cql.Call, name string) (exprFn, string) {
	in := func() (getter, string) {
		f := c.fieldArg(call, "field", "")
		return rawOrField(f), f
	}
	switch name {
	case "replace":
		pat := c.wordArg(call, "regex", "")
		if a, ok := call.Arg("regex"); ok {
			if r, isRe := a.(*cql.RegexLit); isRe {
				pat = r.Pattern
			}
		} else {
			c.failf(call.At, "replace() needs a regex")
		}
		with := c.wordArg(call, "with", c.wordArg(call, "replacement", ""))
		if !hasArg(call, "with") && !hasArg(call, "replacement") {
			c.failf(call.At, "replace() needs with=")
		}
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		re := c.regex(pat, c.wordArg(call, "flags", ""), call.At)
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			return re.ReplaceAll(v, with), true
		}, c.wordArg(call, "as", field)
	case "splitstring":
		if !hasArg(call, "index") {
			return nil, ""
		}
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		split := c.splitter(call)
		idx, err := strconv.Atoi(c.wordArg(call, "index", "0"))
		if err != nil {
			c.failf(call.At, "splitString(): index is a whole number")
		}
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			parts := split(v)
			i := idx
			if i < 0 {
				i += len(parts)
			}
			if i < 0 || i >= len(parts) {
				return "", false
			}
			return parts[i], true
		}, c.wordArg(call, "as", "_splitstring")
	case "formattime":
		return c.formatTimeFn(call)
	case "parsetimestamp":
		return c.parseTimestampFn(call)
	case "formatduration":
		get, f := in()
		unit := durationUnit(c.wordArg(call, "from", "ms"))
		if unit == 0 {
			c.failf(call.At, "formatDuration(): from is one of d, h, m, s, ms, us, ns")
		}
		prec := c.intArg(call, "precision", 0, 10)
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return "", false
			}
			return formatDuration(n, unit, prec), true
		}, c.wordArg(call, "as", f)
	case "base64decode":
		get, _ := in()
		cs := strings.ToUpper(strings.ReplaceAll(c.wordArg(call, "charset", "UTF-8"), "_", "-"))
		switch cs {
		case "UTF-8", "UTF8", "UTF-16LE", "UTF16LE", "UTF-16BE", "UTF16BE", "ISO-8859-1", "LATIN1", "US-ASCII", "ASCII":
		default:
			c.failf(call.At, "base64Decode(): unsupported charset %q (UTF-8, UTF-16LE, UTF-16BE, ISO-8859-1, US-ASCII)", cs)
		}
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			b, ok := decodeBase64(v)
			if !ok {
				return "", false
			}
			return decodeCharset(b, cs), true
		}, c.wordArg(call, "as", "_base64Decode")
	case "urldecode":
		get, f := in()
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			d, err := url.QueryUnescape(v)
			if err != nil {
				d, err = url.PathUnescape(v)
				if err != nil {
					return v, true
				}
			}
			return strings.ToValidUTF8(d, "\uFFFD"), true
		}, c.wordArg(call, "as", f)
	case "shannonentropy":
		get, _ := in()
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			if !ok {
				return "", false
			}
			return cql.FormatNumber(shannon(v)), true
		}, c.wordArg(call, "as", "_shannonEntropy")
	case "hash", "crypto:md5", "crypto:sha1", "crypto:sha256":
		fields := c.fieldsArg(call, "field")
		if len(fields) == 0 {
			c.failf(call.At, "%s() needs field=", call.Name)
		}
		gets := getters(fields)
		def := "_hash"
		if i := strings.IndexByte(name, ':'); i >= 0 {
			def = "_" + name[i+1:]
		}
		var limit uint64
		if name == "hash" && hasArg(call, "limit") {
			limit = uint64(c.intArg(call, "limit", 0, math.MaxInt32))
		}
		seed := c.wordArg(call, "seed", "")
		return func(e *event.Event) (string, bool) {
			var parts []string
			for _, g := range gets {
				v, ok := g(e)
				if !ok {
					return "", false
				}
				parts = append(parts, v)
			}
			s := strings.Join(parts, "")
			switch name {
			case "crypto:md5":
				h := md5.Sum([]byte(s))
				return hex.EncodeToString(h[:]), true
			case "crypto:sha1":
				h := sha1.Sum([]byte(s))
				return hex.EncodeToString(h[:]), true
			case "crypto:sha256":
				h := sha256.Sum256([]byte(s))
				return hex.EncodeToString(h[:]), true
			}
			h := fnv.New64a()
			io.WriteString(h, seed)
			io.WriteString(h, s)
			x := h.Sum64()
			if limit > 0 {
				x %= limit
			}
			return strconv.FormatUint(x, 10), true
		}, c.wordArg(call, "as", def)
	case "round":
		get, f := in()
		how := strings.ToLower(c.wordArg(call, "how", "round"))
		var fn func(float64) float64
		switch how {
		case "round":
			fn = math.Round
		case "floor":
			fn = math.Floor
		case "ceil":
			fn = math.Ceil
		default:
			c.failf(call.At, "round(): how is round, floor or ceil")
		}
		return numFunc(get, fn), c.wordArg(call, "as", f)
	case "math:abs", "math:ceil", "math:floor", "math:log", "math:log10", "math:log2", "math:sqrt", "math:exp",
		"math:sin", "math:cos", "math:tan", "math:pow":
		get, _ := in()
		short := name[len("math:"):]
		var fn func(float64) float64
		switch short {
		case "abs":
			fn = math.Abs
		case "ceil":
			fn = math.Ceil
		case "floor":
			fn = math.Floor
		case "log":
			fn = math.Log
		case "log10":
			fn = math.Log10
		case "log2":
			fn = math.Log2
		case "sqrt":
			fn = math.Sqrt
		case "exp":
			fn = math.Exp
		case "sin":
			fn = math.Sin
		case "cos":
			fn = math.Cos
		case "tan":
			fn = math.Tan
		case "pow":
			x, ok := parseNum(c.wordArg(call, "exponent", ""))
			if !ok {
				c.failf(call.At, "math:pow() needs exponent=NUMBER")
			}
			fn = func(b float64) float64 { return math.Pow(b, x) }
		}
		return numFunc(get, fn), c.wordArg(call, "as", "_"+short)
	case "unit:convert":
		return c.unitConvert(call)
	case "concatarray":
		base := c.fieldArg(call, "field", "")
		base = strings.TrimSuffix(base, "[]")
		from := c.intArg(call, "from", 0, math.MaxInt32)
		to := c.intArg(call, "to", -1, math.MaxInt32)
		sep := c.wordArg(call, "separator", "")
		pre, suf := c.wordArg(call, "prefix", ""), c.wordArg(call, "suffix", "")
		return func(e *event.Event) (string, bool) {
			vals := arrayValues(e, base)
			if from < len(vals) {
				vals = vals[from:]
			} else {
				vals = nil
			}
			if to >= 0 && to-from+1 < len(vals) {
				if to < from {
					vals = nil
				} else {
					vals = vals[:to-from+1]
				}
			}
			if len(vals) == 0 {
				return "", false
			}
			return pre + strings.Join(vals, sep) + suf, true
		}, c.wordArg(call, "as", "_concatArray")
	}
	return nil, ""
}

func numFunc(get getter, fn func(float64) float64) exprFn {
	return func(e *event.Event) (string, bool) {
		v, ok := get(e)
		if !ok {
			return "", false
		}
		x, ok := parseNum(v)
		if !ok {
			return "", false
		}
		r := fn(x)
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return "", false
		}
		return cql.FormatNumber(r), true
	}
}

// arrayValues returns base[0], base[1], … up to the first missing index.
func arrayValues(e *event.Event, base string) []string {
	var out []string
	for i := 0; ; i++ {
		v, ok := e.Get(base + "[" + strconv.Itoa(i) + "]")
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

func decodeBase64(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// decodeCharset turns decoded bytes into a string; bytes that are not
// valid in the charset become U+FFFD.
func decodeCharset(b []byte, cs string) string {
	switch cs {
	case "UTF-16LE", "UTF16LE", "UTF-16BE", "UTF16BE":
		be := strings.Contains(cs, "BE")
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if be {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			}
		}
		s := string(utf16.Decode(u))
		if len(b)%2 == 1 {
			s += "\uFFFD"
		}
		return s
	case "ISO-8859-1", "LATIN1":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	case "US-ASCII", "ASCII":
		r := make([]rune, len(b))
		for i, c := range b {
			if c >= 0x80 {
				r[i] = utf8.RuneError
			} else {
				r[i] = rune(c)
			}
		}
		return string(r)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// shannon is the Shannon entropy of s in bits per character.
func shannon(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	// sum in a fixed order: float addition is not associative
	rs := make([]rune, 0, len(counts))
	for r := range counts {
		rs = append(rs, r)
	}
	sortStable(rs, func(a, b rune) bool { return a < b })
	h := 0.0
	for _, r := range rs {
		p := float64(counts[r]) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// splitter compiles splitString's by= (a regex, or a /regex/).
func (c *compiler) splitter(call *cql.Call) func(string) []string {
	by := c.wordArg(call, "by", "")
	a, ok := call.Arg("by")
	if !ok {
		c.failf(call.At, "splitString() needs by=")
	}
	flags := ""
	if r, isRe := a.(*cql.RegexLit); isRe {
		by, flags = r.Pattern, r.Flags
	}
	re := c.regex(by, flags, call.At)
	return func(s string) []string {
		parts := re.Split(s)
		// like Java's String.split: trailing empty strings are removed
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		return parts
	}
}

// stage2 compiles the multi-field per-event functions of this file, or
// returns nil.
func (c *compiler) stage2(call *cql.Call, name string) step {
	switch name {
	case "splitstring":
		if hasArg(call, "index") {
			return nil
		}
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		split := c.splitter(call)
		as := c.wordArg(call, "as", "_splitstring")
		return func(e *event.Event) bool {
			v, ok := get(e)
			if !ok {
				return true
			}
			for i, p := range split(v) {
				e.Set(as+"["+strconv.Itoa(i)+"]", p)
			}
			return true
		}
	case "parsejson":
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		prefix := c.wordArg(call, "prefix", "")
		include := c.fieldsArg(call, "include")
		exclude := c.fieldsArg(call, "exclude")
		excludeEmpty := c.boolArg(call, "excludeEmpty", false)
		handleNull := strings.ToLower(c.wordArg(call, "handleNull", "keep"))
		var pp fastjson.ParserPool
		return func(e *event.Event) bool {
			v, ok := get(e)
			if !ok {
				return true
			}
			p := pp.Get()
			defer pp.Put(p)
			j, err := p.Parse(v)
			if err != nil {
				return true
			}
			flattenJSON(j, prefix, func(k, val string, null bool) {
				if null && handleNull != "empty" {
					return
				}
				if excludeEmpty && val == "" {
					return
				}
				rel := strings.TrimPrefix(k, prefix)
				if len(include) > 0 && !hasPrefixIn(rel, include) || hasPrefixIn(rel, exclude) {
					return
				}
				e.Set(k, val)
			})
			return true
		}
	case "parsexml":
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		prefix := c.wordArg(call, "prefix", "")
		return func(e *event.Event) bool {
			v, ok := get(e)
			if ok {
				parseXML(v, prefix, e.Set)
			}
			return true
		}
	case "lowercase":
		fields := c.fieldsArg(call, "field")
		if len(fields) == 0 {
			c.failf(call.At, "lowercase() needs field= (a list of fields, or \"*\")")
		}
		include := strings.ToLower(c.wordArg(call, "include", "values"))
		vals := include == "values" || include == "both"
		names := include == "fields" || include == "both"
		if !vals && !names {
			c.failf(call.At, "lowercase(): include is values, fields or both")
		}
		all := len(fields) == 1 && fields[0] == "*"
		return func(e *event.Event) bool {
			for i := 0; i < len(e.Keys); i++ {
				k := e.Keys[i]
				if !all && !contains(fields, k) {
					continue
				}
				if vals {
					e.Vals[i] = strings.ToLower(e.Vals[i])
				}
				if names {
					if lk := strings.ToLower(k); lk != k {
						v := e.Vals[i]
						e.Delete(k)
						e.Set(lk, v)
						i--
					}
				}
			}
			return true
		}
	case "bitfield:extractflags":
		get := fieldGetter(c.fieldArg(call, "field", ""))
		only := c.boolArg(call, "onlyTrue", false)
		a, ok := call.Arg("output")
		if !ok {
			c.failf(call.At, "bitfield:extractFlags() needs output=[[index, name], …]")
		}
		type flag struct {
			bit  uint
			name string
		}
		var flags []flag
		arr, isArr := a.(*cql.ArrayExpr)
		if !isArr {
			c.failf(a.Position(), "bitfield:extractFlags(): output is [[index, name], …]")
		}
		for _, el := range arr.Elems {
			pair, ok := el.(*cql.ArrayExpr)
			if !ok || len(pair.Elems) != 2 {
				c.failf(el.Position(), "bitfield:extractFlags(): output is [[index, name], …]")
			}
			idx, err := strconv.Atoi(namesOf(pair.Elems[0])[0])
			if err != nil || idx < 0 || idx > 63 {
				c.failf(el.Position(), "bitfield:extractFlags(): a bit index is 0 to 63")
			}
			flags = append(flags, flag{uint(idx), namesOf(pair.Elems[1])[0]})
		}
		return func(e *event.Event) bool {
			v, ok := get(e)
			if !ok {
				return true
			}
			n, ok := parseBits(v)
			if !ok {
				return true
			}
			for _, f := range flags {
				set := n&(1<<f.bit) != 0
				if set || !only {
					e.Set(f.name, boolStr(set))
				}
			}
			return true
		}
	case "kvparse":
		field := c.fieldArg(call, "field", "@rawstring")
		get := rawOrField(field)
		sep := c.wordArg(call, "separator", "=")
		prefix := c.wordArg(call, "as", "")
		if prefix != "" {
			prefix += "."
		}
		excludeEmpty := c.boolArg(call, "excludeEmpty", false)
		override := c.boolArg(call, "override", false)
		return func(e *event.Event) bool {
			v, ok := get(e)
			if !ok {
				return true
			}
			kvParse(v, sep, func(k, val string) {
				if excludeEmpty && val == "" {
					return
				}
				k = prefix + k
				if _, has := e.Get(k); has && !override {
					return
				}
				e.Set(k, val)
			})
			return true
		}
	}
	return nil
}

func hasPrefixIn(name string, list []string) bool {
	for _, p := range list {
		if name == p || strings.HasPrefix(name, p+".") || strings.HasPrefix(name, p+"[") {
			return true
		}
	}
	return false
}

// parseBits reads an integer (decimal, or 0x hex) as 64 bits; a larger value
// keeps its lowest 64 bits.
func parseBits(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return n, err == nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return uint64(n), true
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, true
	}
	return 0, false
}

// flattenJSON walks a JSON value as the NDJSON reader does: objects to
// dotted names, arrays to name[i], scalars to their text; null is reported
// (and skipped by default).
func flattenJSON(v *fastjson.Value, name string, set func(k, v string, null bool)) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, x *fastjson.Value) {
			n := string(k)
			if name != "" && !strings.HasSuffix(name, ".") {
				n = name + "." + n
			} else {
				n = name + n
			}
			flattenJSON(x, n, set)
		})
	case fastjson.TypeArray:
		a, _ := v.Array()
		for i, x := range a {
			flattenJSON(x, name+"["+strconv.Itoa(i)+"]", set)
		}
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		set(name, strings.ToValidUTF8(string(b), "\uFFFD"), false)
	case fastjson.TypeNull:
		set(name, "", true)
	case fastjson.TypeTrue:
		set(name, "true", false)
	case fastjson.TypeFalse:
		set(name, "false", false)
	default:
		set(name, string(v.MarshalTo(nil)), false)
	}
}

// parseXML flattens an XML document: element text at a.b.c, attributes
// at a.b.@name, and repeated siblings at a.b[0], a.b[1].
func parseXML(s, prefix string, set func(k, v string)) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	type frame struct {
		name   string
		counts map[string]int
		text   strings.Builder
		kids   bool
	}
	// first pass: count siblings so only repeated ones get an index
	var stack []*frame
	var out [][2]string
	multi := map[string]bool{}
	for {
		t, err := d.Token()
		if err != nil {
			break
		}
		switch t := t.(type) {
		case xml.StartElement:
			base := prefix
			var parent *frame
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
				parent.kids = true
				base = parent.name + "."
			}
			n := t.Name.Local
			path := base + n
			if parent != nil {
				if parent.counts == nil {
					parent.counts = map[string]int{}
				}
				i := parent.counts[n]
				parent.counts[n]++
				if i > 0 {
					multi[base+n] = true
				}
				path = base + n + "\x00" + strconv.Itoa(i)
			}
			f := &frame{name: path}
			stack = append(stack, f)
			for _, a := range t.Attr {
				out = append(out, [2]string{path + ".@" + a.Name.Local, a.Value})
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			txt := strings.TrimSpace(f.text.String())
			if !f.kids || txt != "" {
				out = append(out, [2]string{f.name, txt})
			}
		}
	}
	// render paths: an index only on repeated elements
	for _, kv := range out {
		set(renderXMLPath(kv[0], multi), kv[1])
	}
}

func renderXMLPath(p string, multi map[string]bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '\x00')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		head := p[:i]
		rest := p[i+1:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		b.WriteString(head)
		if multi[stripIdx(b.String())] {
			b.WriteString("[" + rest[:j] + "]")
		}
		p = rest[j:]
	}
}

// stripIdx removes [n] indexes from a rendered path, giving the key used in
// the repeated-siblings table.
func stripIdx(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' {
			j := strings.IndexByte(s[i:], ']')
			if j > 0 {
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// kvParse finds key=value pairs; values may be quoted.
func kvParse(s, sep string, set func(k, v string)) {
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], sep)
		if j < 0 {
			return
		}
		// the key is the run of key characters before sep
		k := j + i
		start := k
		for start > i && isKeyChar(s[start-1]) {
			start--
		}
		key := s[start:k]
		v := k + len(sep)
		var val string
		if v < len(s) && (s[v] == '"' || s[v] == '\'') {
			q := s[v]
			end := v + 1
			var b strings.Builder
			for end < len(s) && s[end] != q {
				if s[end] == '\\' && end+1 < len(s) {
					end++
				}
				b.WriteByte(s[end])
				end++
			}
			val = b.String()
			i = end + 1
		} else {
			end := v
			for end < len(s) && s[end] != ' ' && s[end] != ',' && s[end] != ';' && s[end] != '\t' {
				end++
			}
			val = s[v:end]
			i = end
		}
		if key != "" {
			set(key, val)
		}
		if i <= k {
			i = k + len(sep)
		}
	}
}

func isKeyChar(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == '@' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// durationUnit is the milliseconds in one unit of formatDuration(from=…)
// as a fraction: ns, us, ms, s, m, h, d.
func durationUnit(u string) float64 {
	switch u {
	case "ns":
		return 1e-6
	case "us":
		return 1e-3
	case "ms":
		return 1
	case "s":
		return 1000
	case "m":
		return 60000
	case "h":
		return 3600000
	case "d":
		return 86400000
	}
	return 0
}

// formatDuration renders like 6h30m52s553ms; precision > 0 keeps that many
// units (from the largest).
func formatDuration(n int64, unit float64, precision int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	// work in nanoseconds
	ns := int64(float64(n) * unit * 1e6)
	units := []struct {
		name string
		ns   int64
	}{{"d", 86400e9}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	used := 0
	for _, u := range units {
		if ns >= u.ns {
			q := ns / u.ns
			ns -= q * u.ns
			b.WriteString(strconv.FormatInt(q, 10))
			b.WriteString(u.name)
			used++
			if precision > 0 && used >= precision {
				break
			}
		} else if used > 0 && precision > 0 {
			used++ // a zero unit still counts toward the precision
			if used >= precision {
				break
			}
		}
	}
	if used == 0 || b.Len() == 0 || b.String() == "-" {
		return "0" + unitName(unit)
	}
	return b.String()
}

func unitName(u float64) string {
	switch u {
	case 1e-6:
		return "ns"
	case 1e-3:
		return "us"
	case 1000:
		return "s"
	case 60000:
		return "m"
	case 3600000:
		return "h"
	case 86400000:
		return "d"
	}
	return "ms"
}

// unitConvert: unit:convert(field, from, to, binary=false, keepUnit=false,
// unit, as=field) converts between SI (or binary) prefixes: 1.5G → 1500M.
func (c *compiler) unitConvert(call *cql.Call) (exprFn, string) {
	f := c.fieldArg(call, "field", "")
	get := fieldGetter(f)
	from := c.wordArg(call, "from", "")
	to := c.wordArg(call, "to", "")
	binary := c.boolArg(call, "binary", false)
	keep := c.boolArg(call, "keepUnit", false)
	unit := c.wordArg(call, "unit", "")
	base := 1000.0
	if binary {
		base = 1024
	}
	pow := func(p string) (float64, bool) {
		p = strings.TrimSuffix(p, "i")
		switch p {
		case "":
			return 1, true
		case "k", "K":
			return base, true
		case "M":
			return math.Pow(base, 2), true
		case "G":
			return math.Pow(base, 3), true
		case "T":
			return math.Pow(base, 4), true
		case "P":
			return math.Pow(base, 5), true
		case "E":
			return math.Pow(base, 6), true
		case "m":
			return 1e-3, true
		case "u", "µ":
			return 1e-6, true
		case "n":
			return 1e-9, true
		}
		return 0, false
	}
	toF, ok := pow(strings.TrimSuffix(to, unit))
	if !ok {
		c.failf(call.At, "unit:convert(): unknown prefix %q in to=", to)
	}
	return func(e *event.Event) (string, bool) {
		v, ok := get(e)
		if !ok {
			return "", false
		}
		v = strings.TrimSpace(v)
		i := 0
		for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.' || v[i] == '-' || v[i] == '+' || v[i] == 'e' && i > 0 && i+1 < len(v) && (v[i+1] >= '0' && v[i+1] <= '9' || v[i+1] == '-')) {
			i++
		}
		x, ok := parseNum(v[:i])
		if !ok {
			return "", false
		}
		suffix := strings.TrimSpace(v[i:])
		if unit != "" {
			suffix = strings.TrimSuffix(suffix, unit)
		}
		if suffix == "" {
			suffix = strings.TrimSuffix(from, unit)
		}
		fromF, ok := pow(suffix)
		if !ok {
			return "", false
		}
		r := cql.FormatNumber(x * fromF / toF)
		if keep {
			r += to
		}
		return r, true
	}, c.wordArg(call, "as", f)
}
