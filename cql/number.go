package cql

import (
	"math"
	"strconv"
	"strings"
)

// ParseNumber reads a decimal integer or float as LogScale does when it
// converts a string to a number: surrounding spaces are not allowed, and
// NaN and infinities are not numbers.
func ParseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	c := s[0]
	if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
		return 0, false
	}
	if strings.ContainsAny(s, "_xXpPnN") { // no hex, underscores, NaN, Inf
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// FormatNumber prints a number as LogScale does: integers without a decimal
// point, other values in the shortest form that reads back the same.
func FormatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
