package chat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, name, bos, eos string) *Template {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name+".jinja"))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := New(string(src), bos, eos)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tp
}

var conversation = []Message{
	{"system", "You are terse."},
	{"user", " Hi! "},
	{"assistant", "Hello."},
	{"user", "2+2?"},
}

// The expected renderings are written by hand from what each template says.
func TestRealTemplates(t *testing.T) {
	cases := []struct {
		name, bos, eos string
		msgs           []Message
		gen            bool
		want           string
	}{
		{"llama3", "<|begin_of_text|>", "<|eot_id|>", conversation, true,
			"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"llama3", "<|begin_of_text|>", "<|eot_id|>", conversation[3:], false,
			"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"},
		{"gemma", "<bos>", "<eos>", conversation[1:], true,
			"<bos><start_of_turn>user\nHi!<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n" +
				"<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n"},
		{"zephyr", "<s>", "</s>", conversation, true,
			"<|system|>\nYou are terse.</s>\n<|user|>\n Hi! </s>\n<|assistant|>\nHello.</s>\n<|user|>\n2+2?</s>\n<|assistant|>\n"},
		{"mistral", "<s>", "</s>", conversation[1:], false,
			"<s>[INST]  Hi!  [/INST]Hello.</s>[INST] 2+2? [/INST]"},
		{"qwen2", "", "<|im_end|>", conversation[1:], true,
			"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n Hi! <|im_end|>\n" +
				"<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"},
		{"qwen2", "", "<|im_end|>", conversation[:2], false,
			"<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi! <|im_end|>\n"},
	}
	for _, c := range cases {
		got, err := load(t, c.name, c.bos, c.eos).Render(c.msgs, c.gen)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s (%d messages, generation prompt %v):\n got %q\nwant %q", c.name, len(c.msgs), c.gen, got, c.want)
		}
	}
}

func TestFallback(t *testing.T) {
	tp, err := New("", "<s>", "</s>")
	if err != nil {
		t.Fatal(err)
	}
	if !tp.IsFallback {
		t.Error("empty source: not the fallback")
	}
	got, err := tp.Render(conversation[:2], true)
	want := "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi! <|im_end|>\n<|im_start|>assistant\n"
	if err != nil || got != want {
		t.Errorf("fallback: %q, %v; want %q", got, err, want)
	}
}

func TestTemplateErrors(t *testing.T) {
	// The template's own refusal comes back as an error with its message.
	_, err := load(t, "gemma", "<bos>", "<eos>").Render(conversation, true)
	if !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), "System role not supported") {
		t.Errorf("gemma with a system message: %v", err)
	}
	_, err = load(t, "mistral", "<s>", "</s>").Render([]Message{{"user", "a"}, {"user", "b"}}, true)
	if !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), "must alternate") {
		t.Errorf("mistral with two user turns: %v", err)
	}
	// Templates that do not parse, or fail at run time.
	for _, src := range []string{
		"{% for m in messages %}{{ m['content'] }",
		"{% if %}",
		"{% endfor %}",
	} {
		if _, err := New(src, "", ""); !errors.Is(err, ErrTemplate) {
			t.Errorf("New(%q): err %v, want ErrTemplate", src, err)
		}
	}
	for _, src := range []string{
		"{{ messages[0]['content'].nosuchmethod() }}",
		"{{ raise_exception('boom') }}",
		"{{ messages | nosuchfilter }}",
		"{{ undefined_function() }}",
	} {
		tp, err := New(src, "", "")
		if err != nil {
			if !errors.Is(err, ErrTemplate) {
				t.Errorf("New(%q): err %v, want ErrTemplate", src, err)
			}
			continue
		}
		if out, err := tp.Render(conversation, true); !errors.Is(err, ErrTemplate) {
			t.Errorf("Render(%q): %q, err %v, want ErrTemplate", src, out, err)
		}
	}
}
