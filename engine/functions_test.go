package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fnCase is one golden test: a query over events, and the rows it gives
// (rendered by rowsText, one row per line).
type fnCase struct {
	name, query, in, want string
}

func runCases(t *testing.T, cases []fnCase, opts Options) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				rows, _, err := tryRun(tc.query, tc.in, opts, workers, 2)
				if err != nil {
					t.Fatalf("%s: %v", tc.query, err)
				}
				if got := rowsText(rows); got != tc.want {
					t.Fatalf("%s (workers=%d)\ngot:\n%s\nwant:\n%s", tc.query, workers, got, tc.want)
				}
			}
		})
	}
}

// Examples from the documented behaviour of each function (logscale.md
// §2–§4 and the LogScale function pages it cites).
func TestFilterFunctions(t *testing.T) {
	ips := ev("ip", "10.1.2.3") + ev("ip", "192.168.0.9") + ev("ip", "8.8.8.8") + ev("ip", "fe80::1") + ev("ip", "2001:db8::5") + ev("x", "no ip")
	status := ev("status", "200") + ev("status", "404") + ev("status", "500") + ev("status", "4xx") + ev("other", "1")
	animals := ev("animal", "horse") + ev("animal", "Horse") + ev("animal", "wild horses") + ev("animal", "cow")
	runCases(t, []fnCase{
		{"cidr v4", `cidr(ip, subnet=["10.0.0.0/8", "192.168.0.0/16"])`, ips, "ip=10.1.2.3\nip=192.168.0.9\n"},
		{"cidr v6", `cidr(ip, subnet="fe80::/10")`, ips, "ip=fe80::1\n"},
		{"!cidr keeps missing", `!cidr(ip, subnet=["10.0.0.0/8", "fe80::/10"])`, ips, "ip=192.168.0.9\nip=8.8.8.8\nip=2001:db8::5\nx=no ip\n"},
		{"cidr negate", `cidr(ip, subnet="0.0.0.0/0", negate=true)`, ips, "ip=fe80::1\nip=2001:db8::5\nx=no ip\n"},
		{"field =~ cidr", `ip =~ cidr(subnet="8.8.8.0/24")`, ips, "ip=8.8.8.8\n"},
		{"in exact", `in(status, values=["500", "404"])`, status, "status=404\nstatus=500\n"},
		{"in glob", `in(status, values=["4*"])`, status, "status=404\nstatus=4xx\n"},
		{"!in keeps missing", `!in(status, values=[200, 404])`, status, "status=500\nstatus=4xx\nother=1\n"},
		{"in ignoreCase", `in(animal, values=[HORSE, *COW*], ignoreCase=true)`, animals, "animal=horse\nanimal=Horse\nanimal=cow\n"},
		{"in as a guard", `in(animal, values=[cow]) | animal=*`, animals, "animal=cow\n"},
		{"wildcard case-sensitive", `wildcard(field=animal, pattern=horse)`, animals, "animal=horse\n"},
		{"wildcard ignoreCase anchored", `wildcard(field=animal, pattern=horse, ignoreCase=true)`, animals, "animal=horse\nanimal=Horse\n"},
		{"wildcard unanchored", `wildcard(field=animal, pattern=*h*rse*, ignoreCase=true)`, animals, "animal=horse\nanimal=Horse\nanimal=wild horses\n"},
		{"wildcard free text", `wildcard(pattern=horse)`, animals, "animal=horse\nanimal=wild horses\n"},
		{"test compares fields", `test(a < b)`, ev("a", "1", "b", "2") + ev("a", "3", "b", "2") + ev("a", "x", "b", "2"), "a=1 b=2\n"},
		{"not test", `not test(a < b)`, ev("a", "1", "b", "2") + ev("a", "3", "b", "2"), "a=3 b=2\n"},
		{"test length", `test(length(u) == length(m))`, ev("u", "abc", "m", "GET") + ev("u", "ab", "m", "GET"), "u=abc m=GET\n"},
		{"regex extracts", `regex("user (?<user>\\w+) logged in", field=msg)`, ev("msg", "user bob logged in") + ev("msg", "nothing"), "msg=user bob logged in user=bob\n"},
		{"regex strict=false", `regex("id=(?<id>\\d+)", field=msg, strict=false)`, ev("msg", "id=7") + ev("msg", "none"), "msg=id=7 id=7\nmsg=none\n"},
		{"!regex", `!regex("^a", field=msg)`, ev("msg", "abc") + ev("msg", "bcd") + ev("x", "1"), "msg=bcd\nx=1\n"},
		{"regex flags i", `regex("ABC", field=msg, flags=i)`, ev("msg", "xabcx") + ev("msg", "xyz"), "msg=xabcx\n"},
		{"regex repeat", `regex("(?<k>\\w)=(?<v>\\d)", field=msg, repeat=true)`, ev("msg", "a=1 b=2 c=3", "n", "x"), "msg=a=1 b=2 c=3 n=x k=a v=1\nmsg=a=1 b=2 c=3 n=x k=b v=2\nmsg=a=1 b=2 c=3 n=x k=c v=3\n"},
		{"regex repeat limit", `regex("(?<d>\\d)", field=msg, repeat=true, limit=2)`, ev("msg", "123"), "msg=123 d=1\nmsg=123 d=2\n"},
		{"regex look-ahead", `CommandLine=/(?<name>\w+)(?=\.exe)/`, ev("CommandLine", `run evil.exe now`) + ev("CommandLine", "evil.txt"), "CommandLine=run evil.exe now name=evil\n"},
		{"regex look-behind", `regex("(?<=user=)(?<u>\\w+)", field=m)`, ev("m", "id=1 user=bob"), "m=id=1 user=bob u=bob\n"},
		{"array:contains", `array:contains(array="tags[]", value=b)`, ev("tags[0]", "a", "tags[1]", "b") + ev("tags[0]", "c"), "tags[0]=a tags[1]=b\n"},
		{"text:contains", `text:contains(string=msg, substring="err")`, ev("msg", "an error") + ev("msg", "fine"), "msg=an error\n"},
	}, Options{})
}

func TestStatements(t *testing.T) {
	lt := ev("LogonType", "2") + ev("LogonType", "3") + ev("LogonType", "99") + ev("x", "1")
	runCases(t, []fnCase{
		{"case first branch wins, unmatched dropped",
			`case { LogonType="2" | t := "Interactive" ; LogonType="2" | t := "second" ; LogonType="3" | t := "Network" }`, lt,
			"LogonType=2 t=Interactive\nLogonType=3 t=Network\n"},
		{"case * default", `case { LogonType="2" | t := "I" ; * | t := "other" }`, lt,
			"LogonType=2 t=I\nLogonType=3 t=other\nLogonType=99 t=other\nx=1 t=other\n"},
		{"case branch rejected later falls through", `case { LogonType=* | LogonType=3 | t := "a" ; * | t := "b" }`, lt,
			"LogonType=2 t=b\nLogonType=3 t=a\nLogonType=99 t=b\nx=1 t=b\n"},
		{"case in() and test() branches", `case { in(LogonType, values=[2, 3]) | k := "known" ; test(LogonType > 10) | k := "big" ; * }`, lt,
			"LogonType=2 k=known\nLogonType=3 k=known\nLogonType=99 k=big\nx=1\n"},
		{"case AND/OR", `case { LogonType=2 OR LogonType=3 | k := 1 ; LogonType=99 AND x=* | k := 2 ; *}`, lt,
			"LogonType=2 k=1\nLogonType=3 k=1\nLogonType=99\nx=1\n"},
		{"match values, unmatched dropped", `LogonType match { 2 => t := "I" ; "3" => t := "N" }`, lt, "LogonType=2 t=I\nLogonType=3 t=N\n"},
		{"match regex and in", `LogonType match { /^9/ => t := "nine" ; in(values=[2]) => t := "two" ; * => t := "any" }`, lt,
			"LogonType=2 t=two\nLogonType=3 t=any\nLogonType=99 t=nine\nx=1 t=any\n"},
		{"match \"*\" is presence", `LogonType match { "*" => t := "has" }`, lt, "LogonType=2 t=has\nLogonType=3 t=has\nLogonType=99 t=has\n"},
		{"match ** is presence", `LogonType match { ** => t := "has" ; * => t := "none" }`, lt, "LogonType=2 t=has\nLogonType=3 t=has\nLogonType=99 t=has\nx=1 t=none\n"},
		{"match first guard wins even if its body rejects", `LogonType match { 2 => LogonType=5 ; * => t := "x" }`, lt, "LogonType=3 t=x\nLogonType=99 t=x\nx=1 t=x\n"},
	}, Options{})
}

func TestValueFunctions(t *testing.T) {
	runCases(t, []fnCase{
		{"replace", `replace("https://", with="", field=URL, as=Short) | replace("\/.*", with="", field=Short, as=host)`,
			ev("URL", "https://evil.example/a/b"), "URL=https://evil.example/a/b Short=evil.example/a/b host=evil.example\n"},
		{"replace groups", `replace("(\\w+)@(\\w+)", with="$2 at $1", field=m)`, ev("m", "bob@corp"), "m=corp at bob\n"},
		{"splitString", `splitString(field=p, by="\\\\")`, ev("p", `C:\Windows\x.exe`), `p=C:\Windows\x.exe _splitstring[0]=C: _splitstring[1]=Windows _splitstring[2]=x.exe` + "\n"},
		{"splitString index", `last := splitString(field=p, by=",", index=-1)`, ev("p", "a,b,c"), "p=a,b,c last=c\n"},
		{"split", `split(field=items)`, ev("items[0]", "a", "items[1]", "b", "k", "v"), "k=v items=a _index=0\nk=v items=b _index=1\n"},
		{"split objects strip", `split(field=u, strip=true)`, ev("u[0].name", "x", "u[1].name", "y"), "name=x _index=0\nname=y _index=1\n"},
		{"parseJson", `parseJson(field=j)`, ev("j", `{"a":{"b":1},"c":[true,null,"x"]}`), "j={\"a\":{\"b\":1},\"c\":[true,null,\"x\"]} a.b=1 c[0]=true c[2]=x\n"},
		{"parseJson prefix", `parseJson(field=j, prefix="p.")`, ev("j", `{"a":"1"}`), "j={\"a\":\"1\"} p.a=1\n"},
		{"parseXml", `parseXml(field=x)`, ev("x", `<e a="1"><d>v</d><d>w</d><s>t</s></e>`), "x=<e a=\"1\"><d>v</d><d>w</d><s>t</s></e> e.@a=1 e.d[0]=v e.d[1]=w e.s=t\n"},
		{"lower upper", `l := lower(s) | u := upper(s)`, ev("s", "AbÇ"), "s=AbÇ l=abç u=ABÇ\n"},
		{"lowercase", `lowercase(field=[A, B], include=both)`, ev("A", "X", "B", "Y", "C", "Z"), "C=Z a=x b=y\n"},
		{"formatTime", `t := formatTime("%Y-%m-%d %H:%M:%S.%L %A %B %j", field=ts, timezone=Z)`, ev("ts", "1767225600123"), "ts=1767225600123 t=2026-01-01 00:00:00.123 Thursday January 001\n"},
		{"formatTime seconds auto", `t := formatTime("%F %T", field=ts, timezone="America/New_York")`, ev("ts", "1767225600"), "ts=1767225600 t=2025-12-31 19:00:00\n"},
		{"parseTimestamp", `parseTimestamp("yyyy-MM-dd HH:mm:ss", field=t, as=ms)`, ev("t", "2026-01-01 00:00:01"), "t=2026-01-01 00:00:01 ms=1767225601000\n"},
		{"parseTimestamp default ISO", `parseTimestamp(field=t)`, ev("t", "2026-01-01T00:00:01.500+01:00"), "t=2026-01-01T00:00:01.500+01:00 @timestamp=1767222001500\n"},
		{"parseTimestamp seconds", `parseTimestamp("seconds", field=t, as=x)`, ev("t", "1767225600.5"), "t=1767225600.5 x=1767225600500\n"},
		{"now start end duration", `n := now() | s := start() | e := end() | d := duration(1h)`, ev("k", "v"), "k=v n=1767312000000 s=0 e=1767312000000 d=3600000\n"},
		{"coalesce", `c := coalesce([a, b, "dflt"])`, ev("a", "", "b", "x") + ev("z", "1"), "a= b=x c=x\nz=1 c=dflt\n"},
		{"concatArray", `c := concatArray(field=a, separator=",", prefix="[", suffix="]")`, ev("a[0]", "x", "a[1]", "y"), "a[0]=x a[1]=y c=[x,y]\n"},
		{"base64Decode utf-16le", `d := base64Decode(b, charset="UTF-16LE")`, ev("b", "SQBFAFgA"), "b=SQBFAFgA d=IEX\n"},
		{"base64Decode utf-8", `base64Decode(b)`, ev("b", "aGVsbG8=") + ev("b", "!!notb64"), "b=aGVsbG8= _base64Decode=hello\nb=!!notb64\n"},
		{"urlDecode", `urlDecode(u)`, ev("u", "a%20b%2Fc+d"), "u=a b/c d\n"},
		{"shannonEntropy", `e := shannonEntropy(s) | e2 := shannonEntropy(t)`, ev("s", "aaaa", "t", "abcd"), "s=aaaa t=abcd e=0 e2=2\n"},
		{"hash and crypto", `h := crypto:md5(s) | s2 := crypto:sha256(s)`, ev("s", "abc"), "s=abc h=900150983cd24fb0d6963f7d28e17f72 s2=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"},
		{"round", `round(x) | f := math:floor(y) | c := math:ceil(y) | a := math:abs(z)`, ev("x", "2.5", "y", "-1.5", "z", "-3"), "x=3 y=-1.5 z=-3 f=-2 c=-1 a=3\n"},
		{"round how", `round(x, how=floor, as=r)`, ev("x", "2.7"), "x=2.7 r=2\n"},
		{"math", `l := math:log10(x) | p := math:pow(x, exponent=2) | s := math:sqrt(x)`, ev("x", "100"), "x=100 l=2 p=10000 s=10\n"},
		{"unit:convert", `unit:convert(b, from=k, to=M, as=mb) | unit:convert(s, to=k)`, ev("b", "1500", "s", "2.5M"), "b=1500 s=2.5 mb=1.5\n"[:0] + "b=1500 s=2500 mb=1.5\n"},
		{"formatDuration", `formatDuration(d) | formatDuration(d2, precision=2) | formatDuration(d3, from=s)`, ev("d", "23452553", "d2", "23452553", "d3", "90"), "d=6h30m52s553ms d2=6h30m d3=1m30s\n"},
		{"bitfield:extractFlags", `bitfield:extractFlags(field=flags, output=[[3, ErrorFlag], [0, WarningFlag]])`, ev("flags", "8"), "flags=8 ErrorFlag=true WarningFlag=false\n"},
		{"bitfield onlyTrue", `bitfield:extractFlags(field=f, onlyTrue=true, output=[[1, A], [2, B]])`, ev("f", "2"), "f=2 A=true\n"},
		{"kvParse", `kvParse(field=m)`, ev("m", `user=bob action="log in" n=3`), "m=user=bob action=\"log in\" n=3 user=bob action=log in n=3\n"},
		{"length", `length(s, as=n)`, ev("s", "héllo"), "s=héllo n=5\n"},
		{"format", `format("%s-%05.1f-%,d", field=[a, b, c], as=f)`, ev("a", "x", "b", "3.14159", "c", "1234567"), "a=x b=3.14159 c=1234567 f=x-003.1-1,234,567\n"},
		{"if nested", `s := if(regex("^2", field=code), then="ok", else=if(regex("^4", field=code), then="client", else="other"))`, ev("code", "200") + ev("code", "404") + ev("code", "500"), "code=200 s=ok\ncode=404 s=client\ncode=500 s=other\n"},
		{"if in()", `c := if((in(status, values=["500", "404"])), then="Critical", else="Non-Critical")`, ev("status", "404") + ev("status", "200"), "status=404 c=Critical\nstatus=200 c=Non-Critical\n"},
		{"assignment null keeps field", `p := a | p := b`, ev("a", "1") + ev("a", "1", "b", "2"), "a=1 p=1\na=1 b=2 p=2\n"},
		{"rename via assignment", `"New Name" := rename(old)`, ev("old", "v"), "New Name=v\n"},
	}, Options{})
}

func TestOnlineFunctionsRefused(t *testing.T) {
	for _, q := range []string{`ipLocation(ip)`, `asn(ip)`, `rdns(ip)`, `x := asn(ip)`} {
		_, _, err := tryRun(q, ev("ip", "8.8.8.8"), Options{}, 1, 1)
		if err == nil || !strings.Contains(err.Error(), "unsupported function") || !strings.Contains(err.Error(), "online service") {
			t.Errorf("%s: want the unsupported/online error, got %v", q, err)
		}
	}
}

func TestLookAroundWarnsOnce(t *testing.T) {
	p, err := CompileString(`a=/x(?=y)/ | b=/(?!z)w/ | c=/q(?=r)/`, cqlOpts(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// one warning names the first pattern; the others are only counted
	named := 0
	for _, w := range p.Warnings {
		if strings.Contains(w, "/x(?=y)/") {
			named++
		}
		if strings.Contains(w, "(?!z)w") || strings.Contains(w, "q(?=r)") {
			t.Errorf("warned again: %q", w)
		}
	}
	if named != 1 || !strings.Contains(strings.Join(p.Warnings, "\n"), "2 more regexes") {
		t.Fatalf("warnings: %q", p.Warnings)
	}
	// and a run over many events adds no per-event warning
	_, st := run(t, `a=/x(?=y)/`, strings.Repeat(ev("a", "xy"), 50), Options{}, 2)
	if len(st.Warnings) != 0 {
		t.Fatalf("run warnings: %q", st.Warnings)
	}
}

func TestTimeBounds(t *testing.T) {
	in := ev("timestamp", "1767225600000", "n", "1") + ev("timestamp", "1767229200000", "n", "2") + ev("n", "3")
	since, _ := ParseTimeBound("2026-01-01T00:30:00Z", testNow)
	rows, _ := run(t, `n=*`, in, Options{Since: since}, 1)
	if got := rowsText(rows); !strings.Contains(got, "n=2") || strings.Contains(got, "n=1 ") || !strings.Contains(got, "n=3") {
		t.Fatalf("since: %s", got)
	}
	rel, err := ParseTimeBound("24h", testNow)
	if err != nil || !rel.Equal(testNow.Add(-24*3600e9)) {
		t.Fatalf("relative: %v %v", rel, err)
	}
	rows, _ = run(t, `s := start() | e := end()`, ev("k", "v"), Options{Since: since, Until: testNow}, 1)
	if got := rowsText(rows); got != "k=v s=1767227400000 e=1767312000000\n" {
		t.Fatalf("start/end: %s", got)
	}
}

func TestSavedSearchesAndLookups(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hosts.csv"), []byte("aid,ComputerName,owner\na1,WS-1,alice\na2,WS-2,bob\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "nets.csv"), []byte("net,zone\n10.0.0.0/8,internal\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "users.json"), []byte(`[{"user":"Alice","dept":"ops"}]`), 0o644)
	os.MkdirAll(filepath.Join(dir, "pkg"), 0o755)
	os.WriteFile(filepath.Join(dir, "tag.cql"), []byte(`tagged := ?{v=yes}`), 0o644)
	os.WriteFile(filepath.Join(dir, "pkg", "isWin.cql"), []byte(`event_platform=Win`), 0o644)
	in := ev("aid", "a1", "ip", "10.1.1.1", "user", "alice", "event_platform", "Win") + ev("aid", "a3", "ip", "8.8.8.8", "user", "eve", "event_platform", "Mac")
	opts := Options{LookupDir: dir, SavedDir: dir}
	runCases(t, []fnCase{
		{"match csv", `match(file="hosts.csv", field=aid, include=[owner])`, in, "aid=a1 ip=10.1.1.1 user=alice event_platform=Win owner=alice\n"},
		{"match strict=false", `match(file="hosts.csv", field=aid, strict=false)`, in, "aid=a1 ip=10.1.1.1 user=alice event_platform=Win ComputerName=WS-1 owner=alice\naid=a3 ip=8.8.8.8 user=eve event_platform=Mac\n"},
		{"!match", `!match(file="hosts.csv", field=aid)`, in, "aid=a3 ip=8.8.8.8 user=eve event_platform=Mac\n"},
		{"match cidr", `match(file="nets.csv", field=ip, column=net, mode=cidr, include=[zone])`, in, "aid=a1 ip=10.1.1.1 user=alice event_platform=Win zone=internal\n"},
		{"match json ignoreCase", `match(file="users.json", field=user, ignoreCase=true, include=[dept])`, in, "aid=a1 ip=10.1.1.1 user=alice event_platform=Win dept=ops\n"},
		{"readFile", `readFile("hosts.csv", include=[ComputerName])`, in, "ComputerName=WS-1\nComputerName=WS-2\n"},
		{"saved search with a parameter default", `$tag() | select([aid, tagged])`, in, "aid=a1 tagged=yes\naid=a3 tagged=yes\n"},
		{"saved search arguments", `$tag(v=no) | select([aid, tagged])`, in, "aid=a1 tagged=no\naid=a3 tagged=no\n"},
		{"package saved search", `$pkg:isWin() | select([aid])`, in, "aid=a1\n"},
	}, opts)
	for q, want := range map[string]string{
		`match(file="nope.csv", field=aid)`: "not found in --lookup-dir",
		`$nope()`:                           "--saved",
	} {
		if _, _, err := tryRun(q, in, opts, 1, 1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error with %q, got %v", q, want, err)
		}
	}
	if _, _, err := tryRun(`match(file="hosts.csv", field=aid)`, in, Options{}, 1, 1); err == nil || !strings.Contains(err.Error(), "--lookup-dir") {
		t.Errorf("without --lookup-dir: %v", err)
	}
}
