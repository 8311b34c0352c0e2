package detect

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

// decodeYAML decodes data into v and reports every problem at once: each
// key that v's type does not know (with its path, e.g. attack.tecnique),
// and type errors with their line and column. It returns whether v was
// decoded (unknown keys are reported but do not stop the decoding).
func decodeYAML(data []byte, v any, add func(key, format string, args ...any)) bool {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		add("", "%s", yamlErr(err))
		return false
	}
	if raw == nil {
		add("", "empty file")
		return false
	}
	checkKeys(raw, reflect.TypeOf(v), "", func(key string) {
		add(key, "unknown key")
	})
	if err := yaml.Unmarshal(data, v); err != nil {
		add("", "%s", yamlErr(err))
		return false
	}
	return true
}

var yamlPos = regexp.MustCompile(`^\[(\d+):(\d+)\] `)

// yamlErr turns goccy's "[4:6] message\n<source excerpt>" into "line 4:6: message".
func yamlErr(err error) string {
	msg := yaml.FormatError(err, false, false)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if m := yamlPos.FindStringSubmatch(msg); m != nil {
		return "line " + m[1] + ":" + m[2] + ": " + msg[len(m[0]):]
	}
	return msg
}

// checkKeys walks a decoded YAML value beside a Go type and reports the
// mapping keys the type has no field for.
func checkKeys(raw any, t reflect.Type, path string, unknown func(string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return // a scalar for a struct: a custom form or a type error
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for k, v := range m {
			ft, ok := fields[k]
			if !ok {
				unknown(join(path, k))
				continue
			}
			if ft != nil {
				checkKeys(v, ft, join(path, k), unknown)
			}
		}
	case reflect.Slice:
		items, ok := raw.([]any)
		if !ok {
			return
		}
		for i, it := range items {
			checkKeys(it, t.Elem(), fmt.Sprintf("%s[%d]", path, i), unknown)
		}
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			return
		}
		for k, v := range m {
			checkKeys(v, t.Elem(), join(path, k), unknown)
		}
	}
}

func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			collectFields(ft, out)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		switch f.Type {
		case reflect.TypeOf([]yaml.MapSlice(nil)), reflect.TypeOf(yaml.MapSlice(nil)):
			out[name] = nil // free-form
		default:
			out[name] = f.Type
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
