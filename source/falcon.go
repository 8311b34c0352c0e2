package source

import (
	"strings"

	"github.com/lanner-dev/lanner/event"
)

// NormalizeFalcon applies what LogScale's Falcon parser adds to raw FDR
// events (spec/telemetry.md §1.4):
//   - FileName, when absent, is the last component of ImageFileName (split
//     on \ and /) and FilePath the rest; a present FileName, even empty, is kept;
//   - @timestamp comes from timestamp (epoch milliseconds).
//
// Every derived value is a substring of an original one, which keeps the
// raw-bytes prefilter sound.
func NormalizeFalcon(e *event.Event) {
	if _, ok := e.Get("FileName"); !ok {
		if img, ok := e.Get("ImageFileName"); ok {
			i := strings.LastIndexAny(img, `\/`)
			e.Keys = append(e.Keys, "FileName")
			e.Vals = append(e.Vals, img[i+1:])
			if _, has := e.Get("FilePath"); !has && i >= 0 {
				e.Keys = append(e.Keys, "FilePath")
				e.Vals = append(e.Vals, img[:i+1])
			}
		}
	}
	if _, ok := e.Get("@timestamp"); !ok {
		if ts, ok := e.Get("timestamp"); ok {
			e.Keys = append(e.Keys, "@timestamp")
			e.Vals = append(e.Vals, ts)
		}
	}
}
