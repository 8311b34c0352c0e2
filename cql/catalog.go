package cql

import "strings"

// FuncSpec describes a function's parameters, which the parser needs to tell
// a named argument (`field=x`) from a dialect comparison (`CommandLine = /re/`)
// and to know which arguments are expressions.
type FuncSpec struct {
	Name       string   // canonical spelling
	Positional string   // the one parameter that may be unnamed, or ""
	Params     []string // every parameter name
	Expr       []string // parameters whose values are expressions
	Filter     bool     // usable as a filter (and as a boolean in expressions)
	Aggregate  bool     // consumes the stream and emits rows
}

// HasParam reports whether name is one of the function's parameters.
func (f *FuncSpec) HasParam(name string) bool {
	for _, p := range f.Params {
		if p == name {
			return true
		}
	}
	return false
}

// IsExpr reports whether the parameter takes an expression.
func (f *FuncSpec) IsExpr(name string) bool {
	for _, p := range f.Expr {
		if p == name {
			return true
		}
	}
	return false
}

func spec(name, positional, params string, expr string, filter, agg bool) *FuncSpec {
	s := &FuncSpec{Name: name, Positional: positional, Filter: filter, Aggregate: agg}
	if params != "" {
		s.Params = strings.Split(params, ",")
	}
	if expr != "" {
		s.Expr = strings.Split(expr, ",")
	}
	return s
}

// catalog lists the LogScale functions lanner knows the signature of. Knowing
// a signature is not implementing it: the engine refuses a known function it
// does not implement with "unsupported function NAME".
var catalog = map[string]*FuncSpec{}

func init() {
	for _, s := range []*FuncSpec{
		// filters
		spec("in", "field", "field,values,ignoreCase", "", true, false),
		spec("regex", "regex", "regex,field,flags,strict,repeat,limit", "", true, false),
		spec("test", "expression", "expression", "expression", true, false),
		spec("wildcard", "pattern", "pattern,field,ignoreCase,includeEverythingOnAsterisk", "", true, false),
		spec("cidr", "field", "field,subnet,negate", "", true, false),
		// expression and assignment
		spec("eval", "", "", "", false, false),
		spec("if", "condition", "condition,then,else,as", "condition,then,else", false, false),
		spec("case", "", "", "", false, false), // dialect case(c1, v1, ...) only
		spec("coalesce", "expressions", "expressions,as,ignoreEmpty", "expressions", false, false),
		spec("default", "value", "value,field,replaceEmpty", "", false, false),
		spec("getField", "source", "source,as", "source", false, false),
		spec("setField", "target", "target,value", "target,value", false, false),
		spec("now", "", "as", "", false, false),
		spec("start", "", "as", "", false, false),
		spec("end", "", "as", "", false, false),
		spec("duration", "duration", "duration,as", "", false, false),
		spec("true", "", "", "", false, false),
		spec("false", "", "", "", false, false),
		// shaping
		spec("select", "fields", "fields", "", false, false),
		spec("table", "fields", "fields,limit,sortby,order,type,reverse", "", false, true),
		spec("drop", "fields", "fields", "", false, false),
		spec("rename", "field", "field,as", "", false, false),
		spec("lower", "field", "field,as,locale", "", false, false),
		spec("upper", "field", "field,as,locale", "", false, false),
		spec("lowercase", "field", "field,include,locale", "", false, false),
		spec("length", "field", "field,as", "", false, false),
		spec("concat", "field", "field,as", "", false, false),
		spec("format", "format", "format,field,as,timezone", "", false, false),
		spec("replace", "regex", "regex,with,field,as,flags,replacement", "", false, false),
		spec("splitString", "field", "field,by,index,as", "", false, false),
		spec("split", "field", "field,strip", "", false, false),
		spec("parseJson", "field", "field,prefix,exclude,include,excludeEmpty,handleNull,removePrefixes", "", false, false),
		spec("parseXml", "field", "field,prefix", "", false, false),
		spec("parseTimestamp", "format", "format,field,as,timezone,caseSensitive,addErrors,timezoneAs,unixTimestamp", "", false, false),
		spec("formatTime", "format", "format,field,as,timezone,locale,unit", "", false, false),
		spec("formatDuration", "field", "field,as,from,precision", "", false, false),
		spec("base64Decode", "field", "field,as,charset", "", false, false),
		spec("urlDecode", "field", "field,as", "", false, false),
		spec("shannonEntropy", "field", "field,as", "", false, false),
		spec("hash", "field", "field,as,limit,seed", "", false, false),
		spec("round", "field", "field,as,how", "", false, false),
		spec("concatArray", "field", "field,as,from,to,prefix,separator,suffix", "", false, false),
		spec("kvParse", "field", "field,as,separator,separatorPadding,excludeEmpty,override", "", false, false),
		spec("ipLocation", "field", "field,as,include,db", "", false, false),
		spec("asn", "field", "field,as", "", false, false),
		spec("rdns", "field", "field,as,server,limit", "", false, false),
		spec("array:contains", "array", "array,value", "", true, false),
		spec("text:contains", "string", "string,substring", "string,substring", true, false),
		spec("bitfield:extractFlags", "field", "field,onlyTrue,output", "", false, false),
		spec("unit:convert", "field", "field,as,binary,from,to,keepUnit,unit", "", false, false),
		spec("math:abs", "field", "field,as", "", false, false),
		spec("math:ceil", "field", "field,as", "", false, false),
		spec("math:floor", "field", "field,as", "", false, false),
		spec("math:log", "field", "field,as", "", false, false),
		spec("math:log10", "field", "field,as", "", false, false),
		spec("math:sqrt", "field", "field,as", "", false, false),
		spec("math:pow", "field", "field,as,exponent", "", false, false),
		spec("crypto:md5", "field", "field,as", "", false, false),
		spec("crypto:sha1", "field", "field,as", "", false, false),
		spec("crypto:sha256", "field", "field,as", "", false, false),
		// ordering and limiting
		spec("sort", "field", "field,order,limit,type,reverse", "", false, true),
		spec("head", "limit", "limit", "", false, true),
		spec("tail", "limit", "limit", "", false, true),
		// aggregation
		spec("groupBy", "field", "field,function,limit", "", false, true),
		spec("count", "field", "field,as,distinct", "", false, true),
		spec("sum", "field", "field,as", "", false, true),
		spec("avg", "field", "field,as", "", false, true),
		spec("min", "field", "field,as", "", false, true),
		spec("max", "field", "field,as", "", false, true),
		spec("collect", "fields", "fields,limit,multival,separator", "", false, true),
		spec("top", "field", "field,limit,percent,rest,sum,max,as,error", "", false, true),
		spec("stats", "function", "function", "", false, true),
		spec("selectFromMax", "field", "field,include", "", false, true),
		spec("selectFromMin", "field", "field,include", "", false, true),
		spec("selectLast", "fields", "fields", "", false, true),
		spec("series", "collect", "collect,separator,startField,endField,maxpause,memlimit,maxduration", "", false, true),
		spec("timeChart", "series", "series,function,span,buckets,limit,minSpan,unit,timezone", "", false, true),
		spec("bucket", "span", "span,field,function,buckets,limit,minSpan,unit,timezone", "", false, true),
		spec("percentile", "field", "field,percentiles,as", "", false, true),
		spec("stdDev", "field", "field,as", "", false, true),
		// joins and lookups
		spec("join", "query", "query,field,key,include,mode,limit,repo,start,end,max,suffix,view,live", "", false, true),
		spec("selfJoinFilter", "field", "field,where,prefilter", "", false, true),
		spec("defineTable", "query", "query,name,include,start,end", "", false, true),
		spec("match", "file", "file,field,column,include,strict,mode,glob,ignoreCase,nrows", "", false, false),
		spec("readFile", "file", "file,include,limit", "", false, true),
		spec("createEvents", "rawstring", "rawstring", "", false, false),
	} {
		catalog[strings.ToLower(s.Name)] = s
	}
}

// Lookup finds a function by name, case-insensitively.
func Lookup(name string) *FuncSpec {
	return catalog[strings.ToLower(name)]
}
