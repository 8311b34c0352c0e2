package evtx

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// compact cuts a built file right after the last record of its last
// non-empty chunk (a truncated last chunk is still read), to keep fuzz
// inputs small.
func compact(data []byte) []byte {
	last := fileHeaderSize
	for off := fileHeaderSize; off+chunkHeaderSize <= len(data); off += chunkSize {
		if string(data[off:off+8]) == chunkMagic {
			last = off + int(binary.LittleEndian.Uint32(data[off+48:]))
		}
	}
	return data[:last]
}

// fuzzSeeds builds small valid and damaged inputs with the test writer.
func fuzzSeeds() [][]byte {
	seeds := [][]byte{
		compact(stdFile(1, 2)),
		compact(stdFile(1, 5)),
	}
	// Every value type, arrays, nested BinXml, markup.
	c := newChunkWriter()
	c.record(1, 0, func() {
		c.instance("mix", func() {
			c.open("Event", c.attr("xmlns", c.text("urn:e")))(
				c.elem("System", nil, c.elem("EventID", []func(){c.attr("Qualifiers", c.opt(3, TypeUInt16))}, c.sub(0, TypeUInt16))),
				c.elem("EventData", nil,
					c.elem("Data", nil, c.sub(1, TypeString|TypeArray)),
					c.elem("Data", []func(){c.attr("Name", c.text("S"))}, c.sub(2, TypeSID)),
					c.elem("Binary", nil, c.sub(4, TypeBinary)),
				),
				c.elem("Misc", nil, c.charRef('x'), c.entityRef("amp"), c.cdata("cd")),
				c.pi("p", "d"),
			)
		}, []tval{{TypeUInt16, u16le(1)}, {TypeString | TypeArray, append(utf16le("a"), 0, 0, 'b', 0)},
			{TypeSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}}, {TypeNull, nil}, {TypeBinary, []byte{1, 2}}})
	})
	c.record(2, 0, func() {
		probe := c.clone()
		probe.instance("outer", func() {
			probe.open("Event")(probe.elem("UserData", nil, probe.sub(0, TypeBinXML)))
		}, []tval{{TypeBinXML, nil}})
		nested := probe.binXMLValue(func() {
			probe.instance("inner", func() {
				probe.open("X", probe.attr("a", probe.sub(0, TypeFileTime)))(probe.elem("Y", nil, probe.sub(1, TypeGUID)))
			}, []tval{{TypeFileTime, u64le(1)}, {TypeGUID, make([]byte, 16)}})
		})
		c.instance("outer", func() {
			c.open("Event")(c.elem("UserData", nil, c.sub(0, TypeBinXML)))
		}, []tval{{TypeBinXML, nested}})
	})
	seeds = append(seeds, compact(buildFile([][]byte{c.finish(1)}, 0, 3)))
	// Damaged variants.
	bad := append([]byte(nil), seeds[0]...)
	bad[fileHeaderSize+chunkHeaderSize+40] ^= 0xff
	seeds = append(seeds, bad, seeds[0][:fileHeaderSize+chunkHeaderSize+100], []byte(fileMagic), nil)
	return seeds
}

// checkNoInternal fails on problems that mean a panic was recovered.
func checkNoInternal(t *testing.T, st Stats) {
	for _, p := range st.Problems {
		if strings.Contains(p.Reason, "internal error") {
			t.Fatalf("recovered panic: %v", p)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			// Expansion budgets bound the work per input.
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("%d bytes took %v", len(data), d)
			}
		}()
		for _, workers := range []int{1, 2} {
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return
			}
			r.Workers = workers
			r.Records(func(rec *Record) error {
				_ = rec.XML()
				_ = rec.Flat()
				return nil
			})
			checkNoInternal(t, r.Stats())
		}
	})
}

// TestSeedsDecode makes sure the fuzz seeds are valid where intended.
func TestSeedsDecode(t *testing.T) {
	seeds := fuzzSeeds()
	for i, want := range []int{2, 5, 2} {
		recs, st := readAll(t, seeds[i], 1)
		if len(recs) != want {
			t.Errorf("seed %d: %d records, %v", i, len(recs), st.Problems)
		}
	}
	recs, _ := readAll(t, seeds[2], 1)
	if got := recs[1].XML(); got != "<Event><UserData><X a='1601-01-01T00:00:00.0000001Z'><Y>{00000000-0000-0000-0000-000000000000}</Y></X></UserData></Event>" {
		t.Errorf("nested seed: %s", got)
	}
}

// TestMutations flips bytes of the seeds deterministically (a quick,
// always-run stand-in for the fuzzer).
func TestMutations(t *testing.T) {
	seeds := fuzzSeeds()
	rnd := uint64(1)
	next := func() uint64 {
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return rnd
	}
	for _, s := range seeds[:3] {
		for i := 0; i < 1500; i++ {
			m := append([]byte(nil), s...)
			for k := 0; k < 1+int(next()%4); k++ {
				// Mostly hit the BinXML area.
				pos := fileHeaderSize + chunkHeaderSize + int(next()%uint64(max(len(m)-fileHeaderSize-chunkHeaderSize, 1)))
				if next()%5 == 0 {
					pos = int(next() % uint64(len(m)))
				}
				if pos < len(m) {
					m[pos] = byte(next())
				}
			}
			if next()%10 == 0 {
				m = m[:next()%uint64(len(m)+1)]
			}
			r, err := NewReader(bytes.NewReader(m), int64(len(m)))
			if err != nil {
				continue
			}
			r.Workers = 1
			r.Records(func(rec *Record) error {
				_ = rec.XML()
				_ = rec.Flat()
				return nil
			})
			checkNoInternal(t, r.Stats())
		}
	}
}
