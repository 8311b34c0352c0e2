package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// ValueType is the BinXML value type of a substitution value.
type ValueType uint8

// BinXML value types (MS-EVEN6 / libyal naming). A type with the TypeArray
// bit set is an array of the base type.
const (
	TypeNull       ValueType = 0x00
	TypeString     ValueType = 0x01 // UTF-16LE
	TypeAnsiString ValueType = 0x02 // single-byte code page
	TypeInt8       ValueType = 0x03
	TypeUInt8      ValueType = 0x04
	TypeInt16      ValueType = 0x05
	TypeUInt16     ValueType = 0x06
	TypeInt32      ValueType = 0x07
	TypeUInt32     ValueType = 0x08
	TypeInt64      ValueType = 0x09
	TypeUInt64     ValueType = 0x0a
	TypeReal32     ValueType = 0x0b
	TypeReal64     ValueType = 0x0c
	TypeBool       ValueType = 0x0d
	TypeBinary     ValueType = 0x0e
	TypeGUID       ValueType = 0x0f
	TypeSizeT      ValueType = 0x10
	TypeFileTime   ValueType = 0x11
	TypeSysTime    ValueType = 0x12
	TypeSID        ValueType = 0x13
	TypeHexInt32   ValueType = 0x14
	TypeHexInt64   ValueType = 0x15
	TypeEvtHandle  ValueType = 0x20
	TypeBinXML     ValueType = 0x21
	TypeEvtXML     ValueType = 0x23
	TypeArray      ValueType = 0x80
)

var typeNames = map[ValueType]string{
	TypeNull: "Null", TypeString: "String", TypeAnsiString: "AnsiString",
	TypeInt8: "Int8", TypeUInt8: "UInt8", TypeInt16: "Int16", TypeUInt16: "UInt16",
	TypeInt32: "Int32", TypeUInt32: "UInt32", TypeInt64: "Int64", TypeUInt64: "UInt64",
	TypeReal32: "Real32", TypeReal64: "Real64", TypeBool: "Bool", TypeBinary: "Binary",
	TypeGUID: "GUID", TypeSizeT: "SizeT", TypeFileTime: "FileTime", TypeSysTime: "SysTime",
	TypeSID: "SID", TypeHexInt32: "HexInt32", TypeHexInt64: "HexInt64",
	TypeEvtHandle: "EvtHandle", TypeBinXML: "BinXml", TypeEvtXML: "EvtXml",
}

// String returns the MS-EVEN6 style name of the type ("UInt16", "HexInt64",
// "StringArray"...).
func (t ValueType) String() string {
	if t&TypeArray != 0 {
		if n, ok := typeNames[t&^TypeArray]; ok {
			return n + "Array"
		}
	} else if n, ok := typeNames[t]; ok {
		return n
	}
	return "Type0x" + strconv.FormatUint(uint64(t), 16)
}

// IsArray reports whether t is an array type.
func (t ValueType) IsArray() bool { return t&TypeArray != 0 }

// fixedSize returns the element size of fixed-size scalar types, 0 for
// variable-size ones.
func fixedSize(t ValueType) int {
	switch t {
	case TypeInt8, TypeUInt8:
		return 1
	case TypeInt16, TypeUInt16:
		return 2
	case TypeInt32, TypeUInt32, TypeReal32, TypeBool, TypeHexInt32:
		return 4
	case TypeInt64, TypeUInt64, TypeReal64, TypeFileTime, TypeHexInt64:
		return 8
	case TypeGUID, TypeSysTime:
		return 16
	}
	return 0
}

const hexUpper = "0123456789ABCDEF"

// le reads up to 8 little-endian bytes, zero-extending short input.
func le(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b)
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// appendUTF16 decodes UTF-16LE into dst. Trailing NUL characters are dropped
// (Windows often stores the terminator in the value); an odd trailing byte is
// ignored; unpaired surrogates become U+FFFD.
func appendUTF16(dst []byte, b []byte) []byte {
	n := len(b) / 2
	for n > 0 && b[2*n-1] == 0 && b[2*n-2] == 0 {
		n--
	}
	i := 0
	// Fast path: four ASCII code units at a time.
	for ; i+4 <= n; i += 4 {
		v := binary.LittleEndian.Uint64(b[2*i:])
		if v&0xff80ff80ff80ff80 != 0 {
			break
		}
		dst = append(dst, byte(v), byte(v>>16), byte(v>>32), byte(v>>48))
	}
	for ; i < n; i++ {
		u := uint16(b[2*i]) | uint16(b[2*i+1])<<8
		switch {
		case u < 0x80:
			dst = append(dst, byte(u))
		case u < 0xd800 || u >= 0xe000:
			dst = utf8.AppendRune(dst, rune(u))
		default:
			r := utf8.RuneError
			if u < 0xdc00 && i+1 < n {
				u2 := uint16(b[2*i+2]) | uint16(b[2*i+3])<<8
				if u2 >= 0xdc00 && u2 < 0xe000 {
					r = utf16.DecodeRune(rune(u), rune(u2))
					i++
				}
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// appendAnsi decodes a code-page string. The code page is not recorded in the
// file; bytes >= 0x80 are taken as Latin-1. Trailing NULs are dropped.
func appendAnsi(dst []byte, b []byte) []byte {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	for _, c := range b[:n] {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

func appendHexBytes(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&15])
	}
	return dst
}

func appendHex(dst []byte, v uint64) []byte {
	dst = append(dst, '0', 'x')
	return strconv.AppendUint(dst, v, 16)
}

// appendGUID renders a little-endian GUID as {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
func appendGUID(dst []byte, b []byte) []byte {
	if len(b) < 16 {
		return appendHexBytes(dst, b)
	}
	dst = append(dst, '{')
	for _, i := range [4]int{3, 2, 1, 0} {
		dst = append(dst, hexUpper[b[i]>>4], hexUpper[b[i]&15])
	}
	dst = append(dst, '-')
	dst = append(dst, hexUpper[b[5]>>4], hexUpper[b[5]&15], hexUpper[b[4]>>4], hexUpper[b[4]&15], '-')
	dst = append(dst, hexUpper[b[7]>>4], hexUpper[b[7]&15], hexUpper[b[6]>>4], hexUpper[b[6]&15], '-')
	dst = appendHexBytes(dst, b[8:10])
	dst = append(dst, '-')
	dst = appendHexBytes(dst, b[10:16])
	return append(dst, '}')
}

// filetimeEpochDelta is the number of 100ns intervals between 1601-01-01 and
// 1970-01-01.
const filetimeEpochDelta = 116444736000000000

// FileTime converts a FILETIME (100ns intervals since 1601-01-01 UTC) to a
// time.Time in UTC.
func FileTime(ft uint64) time.Time {
	d := int64(ft) - filetimeEpochDelta
	if ft > math.MaxInt64 {
		d = math.MaxInt64 - filetimeEpochDelta
	}
	sec := d / 10000000
	ns := (d % 10000000) * 100
	if ns < 0 {
		sec--
		ns += 1e9
	}
	return time.Unix(sec, ns).UTC()
}

// appendTime7 renders t as 2006-01-02T15:04:05.0000000Z (seven fractional
// digits, the resolution of FILETIME, as wevtutil prints SystemTime).
func appendTime7(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		// Out of range for the fixed layout: fall back to Go's formatting.
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append4(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, int(mo))
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, mi)
	dst = append(dst, ':')
	dst = append2(dst, s)
	dst = append(dst, '.')
	f := t.Nanosecond() / 100
	for div := 1000000; div > 0; div /= 10 {
		dst = append(dst, byte('0'+f/div%10))
	}
	return append(dst, 'Z')
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendSysTime renders a 16-byte SYSTEMTIME in the same layout as FILETIME
// values (milliseconds padded to seven digits).
func appendSysTime(dst []byte, b []byte) []byte {
	if len(b) < 16 {
		return appendHexBytes(dst, b)
	}
	w := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	year, month, day := w(0), w(1), w(3)
	hour, minute, sec, ms := w(4), w(5), w(6), w(7)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 || ms > 999 || year > 9999 {
		return appendHexBytes(dst, b)
	}
	dst = append4(dst, year)
	dst = append(dst, '-')
	dst = append2(dst, month)
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	dst = append(dst, '.')
	dst = append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), '0', '0', '0', '0')
	return append(dst, 'Z')
}

// sidLen returns the encoded length of the SID at the start of b, or 0.
func sidLen(b []byte) int {
	if len(b) < 8 {
		return 0
	}
	n := 8 + 4*int(b[1])
	if n > len(b) {
		return 0
	}
	return n
}

// appendSID renders a binary SID as S-R-A-S1-S2...
func appendSID(dst []byte, b []byte) []byte {
	n := sidLen(b)
	if n == 0 {
		return appendHexBytes(dst, b)
	}
	dst = append(dst, 'S', '-')
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	if auth >= 1<<32 {
		dst = append(dst, '0', 'x')
		dst = appendHexBytes(dst, b[2:8])
	} else {
		dst = strconv.AppendUint(dst, auth, 10)
	}
	for i := 8; i+4 <= n; i += 4 {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b[i:])), 10)
	}
	return dst
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "1.#INF"...)
	case math.IsInf(f, -1):
		return append(dst, "-1.#INF"...)
	case math.IsNaN(f):
		return append(dst, "-1.#IND"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// appendScalar renders one non-array, non-BinXML value as text.
func appendScalar(dst []byte, t ValueType, b []byte) []byte {
	if sz := fixedSize(t); sz != 0 && len(b) != sz && t != TypeBool {
		if len(b) < sz {
			// Short data: render the raw bytes rather than guess.
			return appendHexBytes(dst, b)
		}
		b = b[:sz]
	}
	switch t {
	case TypeNull:
		return dst
	case TypeString:
		return appendUTF16(dst, b)
	case TypeAnsiString:
		return appendAnsi(dst, b)
	case TypeInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case TypeUInt8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case TypeInt16:
		return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(b))), 10)
	case TypeUInt16:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint16(b)), 10)
	case TypeInt32:
		return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(b))), 10)
	case TypeUInt32:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b)), 10)
	case TypeInt64:
		return strconv.AppendInt(dst, int64(binary.LittleEndian.Uint64(b)), 10)
	case TypeUInt64:
		return strconv.AppendUint(dst, binary.LittleEndian.Uint64(b), 10)
	case TypeReal32:
		return appendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 32)
	case TypeReal64:
		return appendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 64)
	case TypeBool:
		if le(b) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case TypeBinary, TypeEvtXML:
		return appendHexBytes(dst, b)
	case TypeGUID:
		return appendGUID(dst, b)
	case TypeSizeT, TypeHexInt32, TypeHexInt64:
		if len(b) > 8 {
			return appendHexBytes(dst, b)
		}
		return appendHex(dst, le(b))
	case TypeFileTime:
		return appendTime7(dst, FileTime(binary.LittleEndian.Uint64(b)))
	case TypeSysTime:
		return appendSysTime(dst, b)
	case TypeSID:
		return appendSID(dst, b)
	case TypeEvtHandle:
		if len(b) > 8 {
			return appendHexBytes(dst, b)
		}
		return strconv.AppendUint(dst, le(b), 10)
	}
	return appendHexBytes(dst, b)
}

// splitArray splits the data of an array value into its items. String arrays
// are NUL-separated (the last terminator is optional); SIDs are
// self-delimiting; other types have a fixed item size (SizeT: 8 bytes when the
// data length allows it, else 4).
func splitArray(t ValueType, b []byte) [][]byte {
	base := t &^ TypeArray
	var out [][]byte
	switch base {
	case TypeString:
		start := 0
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				out = append(out, b[start:i])
				start = i + 2
			}
		}
		if start < len(b)-1 {
			out = append(out, b[start:])
		}
	case TypeAnsiString:
		start := 0
		for i, c := range b {
			if c == 0 {
				out = append(out, b[start:i])
				start = i + 1
			}
		}
		if start < len(b) {
			out = append(out, b[start:])
		}
	case TypeSID:
		for len(b) > 0 {
			n := sidLen(b)
			if n == 0 {
				out = append(out, b)
				break
			}
			out = append(out, b[:n])
			b = b[n:]
		}
	default:
		sz := fixedSize(base)
		if base == TypeSizeT || base == TypeEvtHandle {
			sz = 4
			if len(b)%8 == 0 {
				sz = 8
			}
		}
		if sz == 0 {
			if len(b) > 0 {
				out = append(out, b)
			}
			return out
		}
		for len(b) >= sz {
			out = append(out, b[:sz])
			b = b[sz:]
		}
		if len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}
