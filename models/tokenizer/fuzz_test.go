package tokenizer

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode checks on random text, with both shared vocabularies, that
// Encode does not panic and returns ids in range, that Decode undoes it for
// valid UTF-8, and that streaming decoding agrees with Decode.
func FuzzEncode(f *testing.F) {
	toks := []*Tokenizer{loadTokenizer(f, spmModel), loadTokenizer(f, bpeModel)}
	for _, s := range streamTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			for _, parse := range []bool{false, true} {
				ids := tok.Encode(s, true, parse)
				for _, id := range ids {
					if id < 0 || int(id) >= tok.VocabSize() {
						t.Fatalf("%s: Encode(%q) returned id %d out of range", tok.Model(), s, id)
					}
				}
				text := tok.Decode(ids)
				if !parse && utf8.ValidString(s) {
					if want := expectedRoundTrip(tok, s, true); text != want {
						t.Fatalf("%s: Decode(Encode(%q)) = %q, want %q (ids %v)", tok.Model(), s, text, want, ids)
					}
				}
				d := tok.NewDecoder()
				var sb strings.Builder
				for _, id := range ids {
					out := d.Add(id)
					if !utf8.ValidString(out) {
						t.Fatalf("%s: Decoder.Add(%d) returned invalid UTF-8 %q", tok.Model(), id, out)
					}
					sb.WriteString(out)
				}
				sb.WriteString(d.Flush())
				if want := validUTF8([]byte(text)); sb.String() != want {
					t.Fatalf("%s: streamed %q, Decode gives %q", tok.Model(), sb.String(), want)
				}
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	data, err := os.ReadFile(corpusPath)
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	text := string(data)
	for _, name := range []string{spmModel, bpeModel} {
		tok := loadTokenizer(b, name)
		// warm: the word cache is filled by earlier iterations; cold: it is
		// emptied before each one.
		for _, mode := range []string{"warm", "cold"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					if mode == "cold" {
						tok.cache.mu.Lock()
						tok.cache.m = nil
						tok.cache.mu.Unlock()
					}
					tok.Encode(text, false, false)
				}
			})
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile(corpusPath)
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	for _, name := range []string{spmModel, bpeModel} {
		tok := loadTokenizer(b, name)
		ids := tok.Encode(string(data), false, false)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				tok.Decode(ids)
			}
		})
	}
}
