package source

import (
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

// NormalizeFalcon applies what LogScale's Falcon parser adds to raw FDR
// events (spec/telemetry.md §1.4): FileName and FilePath from
// ImageFileName where FileName is absent, @timestamp from timestamp. See
// normalize.FalconEvent.
//
// Every derived value is a substring of an original one, which keeps the
// raw-bytes prefilter sound.
func NormalizeFalcon(e *event.Event) { normalize.FalconEvent(e, nil) }
