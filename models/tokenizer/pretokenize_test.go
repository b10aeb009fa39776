package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

func TestPreTokenizers(t *testing.T) {
	cases := []struct {
		split splitFunc
		name  string
		text  string
		want  []string
	}{
		{splitLlama3, "llama3", "Hello world", []string{"Hello", " world"}},
		{splitLlama3, "llama3", "  leading spaces", []string{" ", " leading", " spaces"}},
		{splitLlama3, "llama3", "trailing  ", []string{"trailing", "  "}},
		{splitLlama3, "llama3", "I'M can't you'Re", []string{"I", "'M", " can", "'t", " you", "'Re"}},
		{splitLlama3, "llama3", "1234567 x", []string{"123", "456", "7", " x"}},
		{splitLlama3, "llama3", "a \n\n b", []string{"a", " \n\n", " b"}},
		{splitLlama3, "llama3", "x?!\n\ny", []string{"x", "?!\n\n", "y"}},
		{splitLlama3, "llama3", "\"But (x*2);", []string{"\"But", " (", "x", "*", "2", ");"}},
		{splitLlama3, "llama3", "tabs\tand", []string{"tabs", "\tand"}},
		{splitLlama3, "llama3", "日本語 🤖🚀", []string{"日本語", " 🤖🚀"}},
		{splitLlama3, "llama3", "bad\xffbyte", []string{"bad", "\uFFFDbyte"}},
		{splitGPT2, "gpt2", "I'M can't  now", []string{"I", "'", "M", " can", "'t", " ", " now"}},
		{splitGPT2, "gpt2", "x 123 ...\n", []string{"x", " 123", " ...", "\n"}},
		{splitDefault, "default", "hello, world 12345", []string{"hello", ",", " world", " ", "123", "45"}},
		{splitDefault, "default", "a+b=c", []string{"a", "+", "b", "=", "c"}},
	}
	for _, c := range cases {
		var got []string
		c.split(c.text, func(w string) { got = append(got, w) })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.text, got, c.want)
		}
	}
}

func TestPreTokenizerCoversText(t *testing.T) {
	texts := append(slices.Clone(streamTexts), "a\r\n\r\n  b  \t c\u00a0d\u2028e 12 345 6789 'll 'LL", "")
	for _, split := range []splitFunc{splitLlama3, splitGPT2, splitDefault} {
		for _, s := range texts {
			var sb strings.Builder
			split(s, func(w string) {
				if w == "" {
					t.Errorf("empty word splitting %q", s)
				}
				sb.WriteString(w)
			})
			if sb.String() != s {
				t.Errorf("words of %q concatenate to %q", s, sb.String())
			}
		}
	}
}
