package cql

import "testing"

// FuzzParse: the parser never panics, and whatever parses prints to a
// canonical form that parses again to the same print.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`#event_simpleName=ProcessRollup2 | FileName=/(?i)^cmd\.exe$/ | CommandLine != null`,
		`eval x := if(CommandLine = /(?i)-enc\s/, "true", "false") | fields x, y | sort(field=timestamp, order=desc) | limit 200`,
		`x := case(a = "1" AND b = "2", "c", true(), "m")`,
		`case { a=1 | x:=1 ; * }`,
		`f match { /x/ => y:=1 ; * => y:=2 }`,
		`groupBy([a, b], function=[count(), collect([c])])`,
		`a or b c and not d`, `"quoted"`, `ip=~cidr(subnet=["10.0.0.0/8"])`,
		`aid=?AID | x := ?{p=1}`, "// c\n/* b */ x", `x := 1 + -2 * (3 % 4) / 5`,
		`join({a=1}, field=b)`, `in(f, values=[*a*, "b"], ignoreCase=true)`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			_ = err.(*Error).Caret(src)
			return
		}
		s := q.String()
		q2, err := Parse(s)
		if err != nil {
			t.Fatalf("canonical form of %q does not parse: %v\n%s", src, err, s)
		}
		if s2 := q2.String(); s2 != s {
			t.Fatalf("canonical form of %q is not a fixed point:\n%s\n---\n%s", src, s, s2)
		}
	})
}
