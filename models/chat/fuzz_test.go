package chat

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzTemplate parses and renders arbitrary template sources, as a model
// file may carry any: New and Render must return a result or an error
// wrapping ErrTemplate, never panic.
func FuzzTemplate(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.jinja"))
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("{% for m in messages %}{{ m['content'] }")
	f.Add("{{ raise_exception('boom') }}")
	f.Add("{% for i in range(3) %}{% if i == 1 %}{{ messages[5] }}{% endif %}{% endfor %}")
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := New(src, "<s>", "</s>")
		if err != nil {
			if !errors.Is(err, ErrTemplate) {
				t.Fatalf("New(%q): %v, not ErrTemplate", src, err)
			}
			return
		}
		if _, err := tp.Render(conversation, true); err != nil && !errors.Is(err, ErrTemplate) {
			t.Fatalf("Render(%q): %v, not ErrTemplate", src, err)
		}
	})
}
