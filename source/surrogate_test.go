package source

import (
	"encoding/json"
	"testing"

	"github.com/lanner-dev/lanner/event"
)

// Lone surrogate escapes decode as encoding/json decodes them: one U+FFFD,
// and the escape after them is kept.
func TestSurrogates(t *testing.T) {
	for _, raw := range []string{
		`{"a":"\ud800x"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\udc00"}`, `{"a":"\ud800\u0041"}`,
		`{"a":"\ud800\ud800\udc00"}`, `{"a":"x\\ud800"}`, `{"a":"\uD800"}`, `{"a":"\ud800"}`,
	} {
		var want map[string]string
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		e := &event.Event{}
		if err := NewNDJSONDecoder().Decode([]byte(raw), e); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got, _ := e.Get("a"); got != want["a"] {
			t.Errorf("%s: got %q, want %q (encoding/json)", raw, got, want["a"])
		}
	}
}
