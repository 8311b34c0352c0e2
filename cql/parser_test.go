package cql

import (
	"strings"
	"testing"
)

// roundTrip parses src, prints it, parses the print and requires the same
// print: the canonical form is a fixed point.
func roundTrip(t *testing.T, src string) string {
	t.Helper()
	q, err := Parse(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	s := q.String()
	q2, err := Parse(s)
	if err != nil {
		t.Fatalf("reparse of %q (from %q): %v", s, src, err)
	}
	if s2 := q2.String(); s2 != s {
		t.Fatalf("round trip differs:\n first: %s\nsecond: %s", s, s2)
	}
	return s
}

func TestCanonicalPrint(t *testing.T) {
	cases := []struct{ in, want string }{
		{`#event_simpleName=ProcessRollup2`, `#event_simpleName=ProcessRollup2`},
		{`FileName = "cmd.exe"`, `FileName="cmd.exe"`},
		{`FileName=cmd.exe | CommandLine=*`, "FileName=cmd.exe\n| CommandLine=*"},
		{`a or b c or d`, "a or b\n| c or d"}, // juxtaposition is loosest and acts as a pipe
		{`foo and not bar or baz`, `foo and not bar or baz`},
		{`(a b) or c`, `(a b) or c`},
		{`not (a=1 or b=2)`, `not (a=1 or b=2)`},
		{`!in(x, values=[a, "b c", *d*])`, `not in(x, values=[a, "b c", *d*])`},
		{`x := if(regex("^1", field=statuscode), then="a", else="b")`, `x := if(regex("^1", field=statuscode), then="a", else="b")`},
		{`eval x := if(F = /a\/b/i, "t", "f")`, `x := if(F = /a\/b/i, then="t", else="f")`},
		{`eval(a = 1 + 2 * 3, b = (1 + 2) * 3)`, "a := 1 + 2 * 3\n| b := (1 + 2) * 3"},
		{`fields a, b`, `select([a, b])`},
		{`fields - a, b`, `drop([a, b])`},
		{`sort(timestamp) | limit 5`, `sort(timestamp, limit=5)`},
		{`head(3) | limit 5`, "head(3)\n| head(5)"},
		{`limit 7`, `head(7)`},
		{`sort -timestamp`, `sort(field=timestamp, order=desc)`},
		{`CommandLine != null`, `CommandLine=*`},
		{`CommandLine = null`, `CommandLine!=*`},
		{`ip =~ cidr(subnet="10.0.0.0/8")`, `cidr(field=ip, subnet="10.0.0.0/8")`},
		{`"host name" = x`, `"host name"=x`},
		{`https://www.example.com/`, `"https://www.example.com/"`},
		{`x := a == b`, `x := a == b`},
		{`x := !(a > 1)`, `x := !(a > 1)`},
		{`x := case(a = "1", "one", true(), "other")`, `x := case(a = "1", "one", true, "other")`},
		{`x := a = "1" AND b != "2" OR NOT c = /z/`, `x := a = "1" AND b != "2" OR !(c = /z/)`},
		{`case { a=1 | x := 1 ; b=2 ; * | x := 3 }`, `case { a=1 | x := 1 ; b=2 ; * | x := 3 }`},
		{`f match { "a*" => x := 1 ; /re/i => x := 2 ; in(values=[1, 2]) => x := 3 ; * => x := 4 }`, `f match { "a*" => x := 1 ; /re/i => x := 2 ; in(values=[1, 2]) => x := 3 ; * => x := 4 }`},
		{"// comment\nFileName=x /* block */ | y=2", "FileName=x\n| y=2"},
		{`groupBy([aid, FileName], function=[count(), collect([CommandLine])])`, `groupBy([aid, FileName], function=[count(), collect([CommandLine])])`},
		{`join({#event_simpleName=DnsRequest | x := 1}, field=aid, include=[DomainName])`, `join({#event_simpleName=DnsRequest | x := 1}, field=aid, include=[DomainName])`},
		{`| x=1`, `x=1`},
		{`a=1 head(10)`, "a=1\n| head(10)"},
		{`Name=/\\(?<FileName>[^\\]+)$/`, `Name=/\\(?<FileName>[^\\]+)$/`},
		{`v > 10`, `v>10`},
		{"x := \"a\\\"b\\\\c\\nd\"", "x := \"a\\\"b\\\\c\\nd\""},
		{`UserSid=S-1-5-21-*`, `UserSid=S-1-5-21-*`},
		{`foo=m/fisk/i`, `foo=m/fisk/i`},
	}
	for _, c := range cases {
		got := roundTrip(t, c.in)
		if got != c.want {
			t.Errorf("%q\n got: %s\nwant: %s", c.in, got, c.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	// spec/logscale.md §1.9: not tightest, and/or equal and right-associative,
	// juxtaposition loosest.
	q, err := Parse(`a and b or c`)
	if err != nil {
		t.Fatal(err)
	}
	f := q.Stages[0].(*FilterStage).Filter.(*AndFilter)
	if _, ok := f.R.(*OrFilter); !ok {
		t.Fatalf("a and b or c: want a and (b or c), got %s", f)
	}
	q, _ = Parse(`a or b and c`)
	o := q.Stages[0].(*FilterStage).Filter.(*OrFilter)
	if _, ok := o.R.(*AndFilter); !ok {
		t.Fatalf("a or b and c: want a or (b and c), got %s", o)
	}
	q, _ = Parse(`not a b`)
	if len(q.Stages) != 2 {
		t.Fatalf("not a b: want (not a) and b as two steps, got %d", len(q.Stages))
	}
	// Dialect expressions: NOT > AND > OR, all looser than comparisons.
	q, _ = Parse(`x := a = "1" OR b = "2" AND c = "3"`)
	be := q.Stages[0].(*AssignStage).Value.(*BinaryExpr)
	if be.Op != OrOr {
		t.Fatalf("want OR at the top, got %s", be)
	}
	if r := be.R.(*BinaryExpr); r.Op != AndAnd {
		t.Fatalf("want AND under OR, got %s", r)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`FileName = `, `1:12: expected a value after '=', found end of query`},
		{`x := (1 + `, `1:11: expected an expression, found end of query`},
		{`a | | b`, `1:5: expected a filter or function, found '|'`},
		{`sort(a, b)`, `1:9: sort() takes one unnamed argument (field); name the others`},
		{`count(`, `1:7: expected a value, found end of query`},
		{`f > abc`, `1:5: expected a number after '>', found "abc"`},
		{`x := "unterminated`, `1:6: unterminated string`},
		{`f = /abc`, `1:5: unterminated regex`},
		{`case { a=1 `, `1:12: expected '}' to close case, found end of query`},
		{`/* open`, `1:1: unterminated block comment`},
		{`x := a = 1 =`, `1:12: expected '|' or end of query, found '='`},
		{`a=1 )`, `1:5: expected '|' or end of query, found ')'`},
		{`x := /re/`, `1:6: a regex is not allowed here; compare a field with = /regex/`},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("%q: no error, want %s", c.in, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got: %s\nwant: %s", c.in, err, c.want)
		}
	}
}

func TestCaret(t *testing.T) {
	src := "#event_simpleName=ProcessRollup2\n| FileName = /x/,\n| y=1"
	_, err := Parse(src)
	if err == nil {
		t.Fatal("want an error")
	}
	got := err.(*Error).Caret(src)
	want := "2:17: expected '|' or end of query, found ','\n  | | FileName = /x/,\n  |                 ^"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestStrict(t *testing.T) {
	for _, src := range []string{
		`eval x := 1`,
		`x := if(a, "t", "f")`,
		`fields a, b`,
		`sort(a) | limit 5`,
		`x := a = "1"`,
		`x := case(true, "a")`,
		`x := true()`,
		`x := a == 1 AND b == 2`,
	} {
		_, err := ParseWith(src, Options{Strict: true})
		if err == nil || !strings.Contains(err.Error(), "is not LogScale (--strict); write") {
			t.Errorf("%q: want a strict-mode error naming the canonical form, got %v", src, err)
		}
		if _, err := Parse(src); err != nil {
			t.Errorf("%q: dialect mode must accept it: %v", src, err)
		}
	}
	// F != null keeps its LogScale meaning under --strict, with a warning.
	q, err := ParseWith(`CommandLine != null`, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	ff := q.Stages[0].(*FilterStage).Filter.(*FieldFilter)
	if ff.Op != NotEq || ff.Value.Kind != ValueGlob || ff.Value.Text != "null" {
		t.Fatalf("strict F != null: want a comparison with the string null, got %s", ff)
	}
	if len(q.Diags) != 1 || q.Diags[0].Code != "strict.null" {
		t.Fatalf("want one strict.null warning, got %v", q.Diags)
	}
	// Canonical LogScale passes strict mode untouched.
	if _, err := ParseWith(`x := if(regex("a", field=b, flags="i"), then="t", else="f") | select([x])`, Options{Strict: true}); err != nil {
		t.Fatal(err)
	}
}

func TestNamedArgVersusComparison(t *testing.T) {
	// Inside a call NAME = value is a named argument when NAME is a
	// parameter of the function, otherwise a dialect comparison.
	q, err := Parse(`x := if(CommandLine = /enc/i, then="a", else="b")`)
	if err != nil {
		t.Fatal(err)
	}
	call := q.Stages[0].(*AssignStage).Value.(*CallExpr).Call
	if call.Args[0].Name != "" {
		t.Fatalf("CommandLine = /enc/ must be the condition, got named arg %q", call.Args[0].Name)
	}
	if _, ok := call.Args[0].Value.(*MatchExpr); !ok {
		t.Fatalf("want a MatchExpr condition, got %T", call.Args[0].Value)
	}
	if call.Args[1].Name != "then" || call.Args[2].Name != "else" {
		t.Fatalf("want then/else named, got %q %q", call.Args[1].Name, call.Args[2].Name)
	}
}

func TestPositions(t *testing.T) {
	q, err := Parse("a=1\n| b := c\n|   sort(x)")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1:1", "2:3", "3:5"}
	for i, s := range q.Stages {
		if got := s.Position().String(); got != want[i] {
			t.Errorf("stage %d at %s, want %s", i, got, want[i])
		}
	}
}
