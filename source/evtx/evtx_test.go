package evtx

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

func readAll(t testing.TB, data []byte, workers int) ([]*Record, Stats) {
	t.Helper()
	f, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	f.Workers = workers
	var recs []*Record
	if err := f.Records(func(r *Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatalf("Records: %v", err)
	}
	return recs, f.Stats()
}

func flatMap(r *Record) map[string]string {
	m := map[string]string{}
	for _, kv := range r.Flat() {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestStandardEvent(t *testing.T) {
	data := stdFile(1, 3)
	recs, st := readAll(t, data, 1)
	if len(recs) != 3 || st.Records != 3 || st.Chunks != 1 || st.EmptyChunks != 1 || st.ProblemCount != 0 {
		t.Fatalf("records %d, stats %+v", len(recs), st)
	}
	r := recs[1]
	if r.ID != 2 || r.Chunk != 0 || r.Offset <= fileHeaderSize {
		t.Errorf("record header: %+v", r)
	}
	want := "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>" +
		"<Provider Name='Test-Provider' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>" +
		"<EventID>4002</EventID><Level>4</Level><Keywords>0x8020000000000000</Keywords>" +
		"<TimeCreated SystemTime='2021-02-02T00:40:02.0000000Z'/><EventRecordID>2</EventRecordID>" +
		"<Channel>Test/Operational</Channel><Computer>host.example</Computer>" +
		"<Security UserID='S-1-5-18'/></System><EventData><Data Name='First'>aB</Data>" +
		"<Data Name='Second'/><Data Name='Third'>2</Data></EventData></Event>"
	if got := r.XML(); got != want {
		t.Errorf("XML:\n got %s\nwant %s", got, want)
	}
	var keys []string
	for _, kv := range r.Flat() {
		keys = append(keys, kv.Key+"="+kv.Value)
	}
	wantFlat := "EventID=4002 Level=4 Keywords=0x8020000000000000 TimeCreated=2021-02-02T00:40:02Z " +
		"EventRecordID=2 Channel=Test/Operational Computer=host.example Provider_Name=Test-Provider " +
		"Provider_Guid={5770385F-C22A-43E0-BF4C-06F5698FFBD9} Security_UserID=S-1-5-18 First=aB Second= Third=2"
	if got := strings.Join(keys, " "); got != wantFlat {
		t.Errorf("Flat:\n got %s\nwant %s", got, wantFlat)
	}
	kv := r.Flat()
	if kv[0].Type != TypeUInt16 || kv[2].Type != TypeHexInt64 {
		t.Errorf("types: %v %v", kv[0].Type, kv[2].Type)
	}
	if r.Time.IsZero() || r.Time.Year() != 2021 {
		t.Errorf("written time %v", r.Time)
	}
}

// TestValueTypes substitutes one value of every type into a Data element.
func TestValueTypes(t *testing.T) {
	sid := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xe9, 0x03, 0, 0}
	systime := make([]byte, 16)
	for i, v := range []uint16{2023, 7, 3, 14, 9, 8, 7, 65} {
		binary.LittleEndian.PutUint16(systime[2*i:], v)
	}
	cases := []struct {
		v    tval
		want string
	}{
		{vString("héllo wörld ✓ 𝄞"), "héllo wörld ✓ 𝄞"},
		{tval{TypeString, append(utf16le("nul"), 0, 0, 0, 0)}, "nul"},
		{tval{TypeAnsiString, []byte("ansi\x00")}, "ansi"},
		{tval{TypeInt8, []byte{0xfe}}, "-2"},
		{tval{TypeUInt8, []byte{0xfe}}, "254"},
		{tval{TypeInt16, u16le(0xfffd)}, "-3"},
		{tval{TypeUInt16, u16le(65535)}, "65535"},
		{tval{TypeInt32, u32le(0xfffffffc)}, "-4"},
		{tval{TypeUInt32, u32le(4000000000)}, "4000000000"},
		{tval{TypeInt64, u64le(math.MaxUint64)}, "-1"},
		{tval{TypeUInt64, u64le(math.MaxUint64)}, "18446744073709551615"},
		{tval{TypeReal32, u32le(math.Float32bits(1.5))}, "1.5"},
		{tval{TypeReal64, u64le(math.Float64bits(-0.25))}, "-0.25"},
		{tval{TypeBool, u32le(1)}, "true"},
		{tval{TypeBool, u32le(0)}, "false"},
		{tval{TypeBinary, []byte{0xde, 0xad, 0x01}}, "DEAD01"},
		{tval{TypeGUID, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}, "{04030201-0605-0807-090A-0B0C0D0E0F10}"},
		{tval{TypeSizeT, u64le(0x1000)}, "0x1000"},
		{tval{TypeFileTime, u64le(116444736000000000 + 1234567)}, "1970-01-01T00:00:00.1234567Z"},
		{tval{TypeSysTime, systime}, "2023-07-14T09:08:07.0650000Z"},
		{tval{TypeSID, sid}, "S-1-5-21-1-2-3-1001"},
		{tval{TypeHexInt32, u32le(0xabc)}, "0xabc"},
		{tval{TypeHexInt64, u64le(0)}, "0x0"},
		{tval{TypeEvtHandle, u32le(77)}, "77"},
		{tval{TypeNull, nil}, ""},
		{tval{0x99, []byte{1, 2}}, "0102"},
		// Arrays in an attribute are joined (in element content they repeat
		// the element, see TestArrayRepeatsElement).
		{tval{TypeString | TypeArray, append(append(utf16le("x"), 0, 0), append(utf16le("y"), 0, 0)...)}, "x, y"},
		{tval{TypeUInt16 | TypeArray, append(u16le(1), u16le(2)...)}, "1, 2"},
	}
	for i, tc := range cases {
		c := newChunkWriter()
		c.record(1, 0, func() {
			c.instance("types", func() {
				c.open("Event")(c.elem("EventData", nil,
					c.elem("Data", []func(){c.attr("Name", c.text("V"))}, c.sub(0, tc.v.t)),
					c.elem("Attr", []func(){c.attr("A", c.sub(0, tc.v.t))})))
			}, []tval{tc.v})
		})
		recs, st := readAll(t, buildFile([][]byte{c.finish(1)}, 0, 2), 1)
		if len(recs) != 1 {
			t.Fatalf("case %d (%v): %d records, %v", i, tc.v.t, len(recs), st.Problems)
		}
		d := recs[0].Root.Child("EventData").Child("Data")
		got := d.Text
		if tc.v.t.IsArray() {
			got, _ = recs[0].Root.Child("EventData").Child("Attr").Attr("A")
		}
		if got != tc.want {
			t.Errorf("case %d (%v): got %q, want %q", i, tc.v.t, got, tc.want)
		}
		if !tc.v.t.IsArray() && tc.v.t != TypeNull && d.Type != tc.v.t {
			t.Errorf("case %d: node type %v, want %v", i, d.Type, tc.v.t)
		}
	}
}

func TestArrayRepeatsElement(t *testing.T) {
	c := newChunkWriter()
	arr := append(append(utf16le("one"), 0, 0), append(utf16le("two"), 0, 0)...)
	c.record(1, 0, func() {
		c.instance("arr", func() {
			c.open("Event")(c.elem("EventData", nil,
				c.elem("Data", nil, c.sub(0, TypeString|TypeArray)),
				c.elem("Data", []func(){c.attr("Name", c.text("N"))}, c.sub(1, TypeUInt32|TypeArray)),
				c.elem("Data", []func(){c.attr("Name", c.text("E"))}, c.sub(2, TypeString|TypeArray)),
			))
		}, []tval{{TypeString | TypeArray, arr}, {TypeUInt32 | TypeArray, append(u32le(7), u32le(8)...)}, {TypeString | TypeArray, nil}})
	})
	recs, _ := readAll(t, buildFile([][]byte{c.finish(1)}, 0, 2), 1)
	got := recs[0].XML()
	want := "<Event><EventData><Data>one</Data><Data>two</Data><Data Name='N'>7</Data><Data Name='N'>8</Data><Data Name='E'/></EventData></Event>"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var flat []string
	for _, kv := range recs[0].Flat() {
		flat = append(flat, kv.Key+"="+kv.Value)
	}
	if s := strings.Join(flat, " "); s != "Data[0]=one Data[1]=two N=7 N=8 E=" {
		t.Errorf("flat %s", s)
	}
}

// TestNestedAndMarkup covers a BinXml (0x21) value holding its own template
// instance, optional substitutions dropping attributes, char and entity
// references, CDATA, a PI and UserData flattening.
func TestNestedAndMarkup(t *testing.T) {
	outer := func(c *cw) func() {
		return func() {
			c.open("Event")(
				c.elem("System", nil, c.elem("EventRecordID", nil, c.sub(0, TypeUInt64)),
					c.elem("Correlation", []func(){c.attr("ActivityID", c.opt(2, TypeGUID))})),
				c.elem("UserData", nil, c.sub(1, TypeBinXML)),
				c.elem("Misc", nil, c.text("a"), c.charRef('&'), c.entityRef("lt"), c.text("b"), c.entityRef("custom")),
				c.elem("Code", nil, c.cdata("x < y && z")),
				c.pi("target", "some data"),
			)
		}
	}
	c := newChunkWriter()
	c.record(7, 0, func() {
		// Probe: write the outer instance with an empty BinXml value to
		// learn where the value goes, then write the value there.
		probe := c.clone()
		probe.instance("outer", outer(probe), []tval{{TypeUInt64, u64le(7)}, {TypeBinXML, nil}, {TypeNull, nil}})
		nested := probe.binXMLValue(func() {
			probe.instance("inner", func() {
				probe.open("RmEvent", probe.attr("xmlns", probe.text("urn:x")), probe.attr("Ver", probe.text("2")))(
					probe.elem("App", nil, probe.sub(0, TypeString)),
					probe.elem("App", nil, probe.sub(1, TypeString)),
					probe.elem("Flags", []func(){probe.attr("value", probe.sub(2, TypeHexInt32))}),
				)
			}, []tval{vString("first app"), vString("second app"), {TypeHexInt32, u32le(16)}})
		})
		c.instance("outer", outer(c), []tval{{TypeUInt64, u64le(7)}, {TypeBinXML, nested}, {TypeNull, nil}})
	})
	recs, st := readAll(t, buildFile([][]byte{c.finish(1)}, 0, 8), 1)
	if len(recs) != 1 {
		t.Fatalf("records %d, problems %v", len(recs), st.Problems)
	}
	got := recs[0].XML()
	want := "<Event><System><EventRecordID>7</EventRecordID><Correlation/></System>" +
		"<UserData><RmEvent xmlns='urn:x' Ver='2'><App>first app</App><App>second app</App><Flags value='0x10'/></RmEvent></UserData>" +
		"<Misc>a&amp;&lt;b&amp;custom;</Misc><Code><![CDATA[x < y && z]]></Code><?target some data?></Event>"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	m := flatMap(recs[0])
	for k, v := range map[string]string{
		"EventRecordID": "7", "RmEvent_Ver": "2", "RmEvent.App[0]": "first app", "RmEvent.App[1]": "second app",
		"RmEvent.Flags_value": "0x10", "Misc": "a&<b&custom;", "Code": "x < y && z",
	} {
		if m[k] != v {
			t.Errorf("flat %s = %q, want %q (all: %v)", k, m[k], v, m)
		}
	}
	if _, ok := m["RmEvent_xmlns"]; ok {
		t.Errorf("xmlns should be dropped from Flat")
	}
	if _, ok := m["Correlation_ActivityID"]; ok {
		t.Errorf("NULL optional attribute should be dropped")
	}
}

// TestTemplateReuseAndOrder reads a multi-chunk file with several worker
// counts: same records, file order.
func TestTemplateReuseAndOrder(t *testing.T) {
	data := stdFile(9, 40)
	base, st := readAll(t, data, 1)
	if len(base) != 360 || st.Chunks != 9 || st.EmptyChunks != 1 || st.ProblemCount != 0 {
		t.Fatalf("records %d stats %+v", len(base), st)
	}
	for i, r := range base {
		if r.ID != uint64(i+1) {
			t.Fatalf("record %d has id %d", i, r.ID)
		}
		if v, _ := Get(r.Flat(), "EventRecordID"); v != fmt.Sprint(i+1) {
			t.Fatalf("record %d EventRecordID %s", i, v)
		}
	}
	for _, w := range []int{2, 3, 8, 64} {
		recs, st2 := readAll(t, data, w)
		if len(recs) != len(base) || st2.Records != st.Records {
			t.Fatalf("workers %d: %d records", w, len(recs))
		}
		for i := range recs {
			if recs[i].ID != base[i].ID || recs[i].XML() != base[i].XML() {
				t.Fatalf("workers %d: record %d differs", w, i)
			}
		}
	}
}

func TestCallbackErrorStops(t *testing.T) {
	data := stdFile(6, 30)
	stop := errors.New("stop")
	for _, w := range []int{1, 4} {
		f, _ := NewReader(bytes.NewReader(data), int64(len(data)))
		f.Workers = w
		n := 0
		err := f.Records(func(r *Record) error {
			n++
			if n == 45 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 45 {
			t.Errorf("workers %d: err %v after %d records", w, err, n)
		}
	}
}

func TestNotEVTX(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), make([]byte, 10000)} {
		if _, err := NewReader(bytes.NewReader(data), int64(len(data))); !errors.Is(err, ErrNotEVTX) {
			t.Errorf("%d bytes: err %v", len(data), err)
		}
	}
}

func TestDamage(t *testing.T) {
	clean := stdFile(3, 20)
	chunk1 := int64(fileHeaderSize + chunkSize)
	type check func(t *testing.T, recs []*Record, st Stats)
	cases := []struct {
		name   string
		damage func(b []byte) []byte
		check  check
	}{
		{"file header checksum", func(b []byte) []byte { b[124] ^= 1; return b }, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 60 || st.ProblemCount != 1 || st.Problems[0].Chunk != -1 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"file header destroyed", func(b []byte) []byte { copy(b, "garbage!"); return b }, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 60 || st.ProblemCount != 1 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"chunk header checksum", func(b []byte) []byte { b[chunk1+124] ^= 1; return b }, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 60 || st.BadChunks != 1 || st.Problems[0].Chunk != 1 || !strings.Contains(st.Problems[0].Reason, "header checksum") {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"record data flipped", func(b []byte) []byte {
			// A byte inside the first record's values (the Computer string):
			// decodes differently, records checksum fails.
			i := bytes.Index(b[chunk1:], utf16le("host.example"))
			b[chunk1+int64(i)] = 'X'
			return b
		}, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 60 || st.BadChunks != 1 || !strings.Contains(st.Problems[0].Reason, "records checksum") {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"record size broken", func(b []byte) []byte {
			// Second record of chunk 1: size field garbage; the chunk is read
			// up to it.
			off := chunk1 + chunkHeaderSize
			size := binary.LittleEndian.Uint32(b[off+4:])
			binary.LittleEndian.PutUint32(b[off+int64(size)+4:], 0xffffff)
			return b
		}, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 41 || st.BadRecords != 1 || st.BadChunks != 1 || st.Problems[1].Record != 22 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"template garbage", func(b []byte) []byte {
			// Corrupt the first record's inline template: that record and
			// every later one of the chunk using the template fail, other
			// chunks are fine.
			off := chunk1 + chunkHeaderSize + 24 + 4 + 10 + 24
			for i := int64(0); i < 8; i++ {
				b[off+i] = 0xee
			}
			return b
		}, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 40 || st.BadRecords != 20 || st.BadChunks != 1 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"truncated file", func(b []byte) []byte { return b[:chunk1+3000] }, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) < 21 || len(recs) >= 40 || st.BadChunks != 1 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
			for _, p := range st.Problems {
				if strings.Contains(p.Reason, "truncated") && p.Chunk == 1 {
					return
				}
			}
			t.Errorf("no truncation problem: %+v", st.Problems)
		}},
		{"chunk zeroed", func(b []byte) []byte {
			copy(b[chunk1:chunk1+chunkSize], make([]byte, chunkSize))
			return b
		}, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 40 || st.EmptyChunks != 2 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
		{"chunk signature garbage", func(b []byte) []byte { copy(b[chunk1:], "XXXXXXXX"); return b }, func(t *testing.T, recs []*Record, st Stats) {
			if len(recs) != 60 || st.BadChunks != 1 {
				t.Errorf("recs %d %+v", len(recs), st)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.damage(append([]byte(nil), clean...))
			for _, w := range []int{1, 2} {
				recs, st := readAll(t, data, w)
				tc.check(t, recs, st)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Chunk: 2, Offset: 0x1234, Record: 9, Reason: "bad"}
	if s := p.String(); s != "chunk 2 offset 0x1234 record 9: bad" {
		t.Errorf("%q", s)
	}
	if s := (Problem{Chunk: -1, Offset: 124, Reason: "x"}).String(); s != "file header offset 0x7c: x" {
		t.Errorf("%q", s)
	}
}

type errReaderAt struct{ data []byte }

func (e errReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= fileHeaderSize+chunkSize {
		return 0, io.ErrUnexpectedEOF
	}
	return bytes.NewReader(e.data).ReadAt(p, off)
}

func TestReadError(t *testing.T) {
	data := stdFile(3, 5)
	f, err := NewReader(errReaderAt{data}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	f.Records(func(*Record) error { n++; return nil })
	st := f.Stats()
	if n != 5 || st.BadChunks != 3 {
		t.Errorf("records %d stats %+v", n, st)
	}
}

// TestCorpusWellFormed reads every sample file: XML must be well-formed,
// EventRecordID numeric, and no file may report problems.
func TestCorpusWellFormed(t *testing.T) {
	root := sharedData(t)
	total := 0
	for _, path := range evtxFiles(t, root) {
		f, err := Open(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		f.Records(func(r *Record) error {
			total++
			x := r.XML()
			d := xml.NewDecoder(strings.NewReader(x))
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s record %d: bad XML: %v", path, r.ID, err)
					return nil
				}
			}
			// Exported or filtered logs renumber the record header but keep
			// System/EventRecordID, so only its form is checked.
			// (Forwarder bookmark events have none.)
			if v, ok := Get(r.Flat(), "EventRecordID"); ok && (strings.Trim(v, "0123456789") != "" || v == "") {
				t.Errorf("%s record %d: EventRecordID %q", path, r.ID, v)
			}
			return nil
		})
		if st := f.Stats(); st.ProblemCount != 0 {
			t.Errorf("%s: %v", path, st.Problems)
		}
		f.Close()
	}
	t.Logf("%d records", total)
}
