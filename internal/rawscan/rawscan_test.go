package rawscan

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lanner-dev/lanner/internal/gen"
)

// reference is the byte-search answer for the whole of data.
func reference(data []byte, key Needle) Index {
	var x Index
	scanBytes(data, 0, len(data), 0, len(data), key, &x)
	return x
}

func check(t *testing.T, data []byte, key Needle) {
	t.Helper()
	var got Index
	Scan(data, key, &got)
	want := reference(data, key)
	if !slices.Equal(got.Lines, want.Lines) || !slices.Equal(got.Escapes, want.Escapes) || !slices.Equal(got.Keys, want.Keys) || !slices.Equal(got.Odd, want.Odd) {
		t.Fatalf("key %q, %d bytes %q:\n got %v\nwant %v", key.b, len(data), data, got, want)
	}
}

// TestScanAgreesWithByteSearch runs the vector kernel (where the CPU has
// one) against plain byte searches on data dense with the bytes it probes,
// at every alignment and length around the block edges.
func TestScanAgreesWithByteSearch(t *testing.T) {
	if !useVector {
		t.Log("no vector kernel on this machine: Scan is the byte search itself")
	}
	checkAgainstByteSearch(t)
}

func checkAgainstByteSearch(t *testing.T) {
	keys := []string{"", `"ParentBaseFileName"`, `"a"`, `aa`, `"`, `x`, `"\u"`, "\n\n", `uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu`}
	alphabet := []byte("\"\\u\nParentBaseFilm:{}a x")
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range keys {
		key := NewNeedle([]byte(k))
		for n := 0; n < 700; n += 1 + n/40 {
			for trial := 0; trial < 4; trial++ {
				// Any alignment; the bytes around data are random too, so
				// that a kernel reading past its end would report a match.
				buf := make([]byte, n+128)
				for i := range buf {
					buf[i] = alphabet[r.IntN(len(alphabet))]
				}
				data := buf[r.IntN(64):][:n:n]
				// plant the key now and then
				if len(k) > 0 && n > len(k) {
					for j := 0; j < 3; j++ {
						copy(data[r.IntN(n-len(k)+1):], k)
					}
				}
				check(t, data, key)
				if n > 1 {
					check(t, data[1:], key) // unaligned start
				}
			}
		}
	}
}

func TestOddLines(t *testing.T) {
	data := []byte("{\"a\":1}\n\n {}\n{}\r\n{\n}\nnot json\n{x}\n\r\n{\"b\":2} \n")
	var x Index
	Scan(data, Needle{}, &x)
	// lines: 0 {"a":1}  1 (empty)  2 " {}"  3 {}\r  4 {  5 }  6 not json  7 {x}  8 \r  9 {"b":2}␠
	if want := []int{1, 2, 4, 5, 6, 8, 9}; !slices.Equal(x.Odd, want) {
		t.Errorf("odd lines %v, want %v", x.Odd, want)
	}
}

func TestNeedleProbesRareBytes(t *testing.T) {
	n := NewNeedle([]byte(`"ParentBaseFileName"`))
	got := string([]byte{n.b[n.off1], n.b[n.off2]})
	if got != "BF" {
		t.Errorf("probe bytes %q, want the rarest two, \"BF\"", got)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("{\"a\":\"x\\u0041\"}\n{\"ParentBaseFileName\":\"c\"}\n"), []byte(`"ParentBaseFileName"`))
	f.Add([]byte("\\\\u\\u\n\n"), []byte("u"))
	f.Fuzz(func(t *testing.T, data, key []byte) {
		check(t, data, NewNeedle(key))
	})
}

// BenchmarkScan scans generated Falcon telemetry in 1 MB batches, as the
// engine does.
func BenchmarkScan(b *testing.B) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, 16<<20, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	key := NewNeedle([]byte(`"ParentBaseFileName"`))
	var x Index
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		for off := 0; off < len(data); off += 1 << 20 {
			Scan(data[off:min(off+1<<20, len(data))], key, &x)
		}
	}
}

// TestScanStopsAtTheEnd puts half a match at the end of data and the other
// half just past it, at every alignment: nothing past the end may count.
func TestScanStopsAtTheEnd(t *testing.T) {
	key := []byte(`"ParentBaseFileName"`)
	for n := 250; n < 400; n++ {
		for a := 0; a < 64; a++ {
			for cut := 1; cut < len(key); cut++ {
				buf := bytes.Repeat([]byte("x"), a+n+64)
				data := buf[a : a+n : a+n]
				copy(buf[a+n-cut:], key) // the key runs past the end by len-cut bytes
				data[n-cut-1] = '\\'
				buf[a+n-cut] = key[0]
				check(t, data, NewNeedle(key))
				buf[a+n-1], buf[a+n] = '\\', 'u'
				check(t, data, NewNeedle(key))
			}
		}
	}
}
