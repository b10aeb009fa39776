package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"sovra/models/gguf"
)

// The shared test data lives beside the repository.
const (
	sharedDir  = "../../../shared"
	spmModel   = "llama-2-tiny-random"
	bpeModel   = "llama3.2-vocab"
	corpusPath = sharedDir + "/corpus/war-and-peace.txt"
)

var (
	tokMu    sync.Mutex
	tokCache = map[string]*Tokenizer{}
)

// loadTokenizer returns the tokenizer of the shared model name, loaded once,
// or skips the test if the file is absent.
func loadTokenizer(tb testing.TB, name string) *Tokenizer {
	tb.Helper()
	tokMu.Lock()
	defer tokMu.Unlock()
	if t, ok := tokCache[name]; ok {
		return t
	}
	path := filepath.Join(sharedDir, "models", name+".gguf")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("model %s not available: %v", path, err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	t, err := FromGGUF(f)
	if err != nil {
		tb.Fatalf("FromGGUF(%s): %v", path, err)
	}
	tokCache[name] = t
	return t
}

type referenceFile struct {
	Model    string `json:"model"`
	BOS      int32  `json:"bos"`
	EOS      int32  `json:"eos"`
	Tokenize []struct {
		Text string  `json:"text"`
		IDs  []int32 `json:"ids"`
	} `json:"tokenize"`
}

// loadReference reads llama.cpp's tokenizations of the shared model name.
func loadReference(tb testing.TB, name string) *referenceFile {
	tb.Helper()
	path := filepath.Join(sharedDir, "reference", "tokenize."+name+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("reference %s not available: %v", path, err)
	}
	var ref referenceFile
	if err := json.Unmarshal(data, &ref); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return &ref
}

// corpusLines returns up to n non-empty lines of the shared corpus.
func corpusLines(tb testing.TB, n int) []string {
	tb.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(lines) < n {
		if line := sc.Text(); line != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

func TestReference(t *testing.T) {
	for _, name := range []string{spmModel, bpeModel} {
		t.Run(name, func(t *testing.T) {
			ref := loadReference(t, name)
			tok := loadTokenizer(t, name)
			if tok.BOS() != ref.BOS || tok.EOS() != ref.EOS {
				t.Errorf("BOS, EOS = %d, %d; llama.cpp has %d, %d", tok.BOS(), tok.EOS(), ref.BOS, ref.EOS)
			}
			matched := 0
			for _, c := range ref.Tokenize {
				got := tok.Encode(c.Text, false, false)
				if !slices.Equal(got, c.IDs) {
					t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, got, c.IDs)
					continue
				}
				matched++
			}
			t.Logf("%d of %d reference strings match llama.cpp", matched, len(ref.Tokenize))
		})
	}
}

// expectedRoundTrip is what Decode(Encode(s, addSpecial, false)) gives. For
// SPM, U+2581 in the text is SentencePiece's space, so it decodes as one, and
// the dummy prefix is stripped only from a sequence's first token: after a
// BOS it stays, as in llama.cpp's detokenizer.
func expectedRoundTrip(tok *Tokenizer, s string, addSpecial bool) string {
	if tok.Model() != "llama" {
		return s
	}
	s = strings.ReplaceAll(s, spaceMark, " ")
	if addSpecial && tok.AddBOS() && s != "" {
		s = " " + s
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	lines := corpusLines(t, 4000)
	for _, name := range []string{spmModel, bpeModel} {
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, name)
			texts := slices.Clone(lines)
			if ref := loadReference(t, name); ref != nil {
				for _, c := range ref.Tokenize {
					texts = append(texts, c.Text)
				}
			}
			failed := 0
			for _, s := range texts {
				for _, special := range []bool{false, true} {
					ids := tok.Encode(s, special, false)
					if got := tok.Decode(ids); got != expectedRoundTrip(tok, s, special) && failed < 10 {
						failed++
						t.Errorf("Decode(Encode(%q, addSpecial=%v)) = %q", s, special, got)
					}
				}
			}
		})
	}
}

// TestWholeCorpus tokenizes the whole corpus in one call and decodes it.
func TestWholeCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	data, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	text := string(data)
	for _, name := range []string{spmModel, bpeModel} {
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, name)
			ids := tok.Encode(text, false, false)
			if got := tok.Decode(ids); got != expectedRoundTrip(tok, text, false) {
				i := 0
				for i < len(got) && i < len(text) && got[i] == text[i] {
					i++
				}
				t.Fatalf("round trip differs at byte %d: %q vs %q", i, got[i:min(i+40, len(got))], text[i:min(i+40, len(text))])
			}
			t.Logf("%d bytes -> %d tokens", len(text), len(ids))
		})
	}
}

func TestSpecialTokens(t *testing.T) {
	t.Run(bpeModel, func(t *testing.T) {
		tok := loadTokenizer(t, bpeModel)
		bot := tok.ids["<|begin_of_text|>"]
		eot := tok.ids["<|eot_id|>"]
		if got := tok.Encode("<|begin_of_text|>", false, true); !slices.Equal(got, []int32{bot}) {
			t.Errorf("parseSpecial: got %v, want [%d]", got, bot)
		}
		got := tok.Encode("<|begin_of_text|>Hi<|eot_id|>", false, true)
		if len(got) != 3 || got[0] != bot || got[2] != eot {
			t.Errorf("parseSpecial: got %v", got)
		}
		plain := tok.Encode("<|begin_of_text|>", false, false)
		if slices.Contains(plain, bot) || len(plain) < 2 {
			t.Errorf("without parseSpecial: got %v, want plain-text tokens", plain)
		}
		if got := tok.Decode(plain); got != "<|begin_of_text|>" {
			t.Errorf("Decode(plain) = %q", got)
		}
		// Control tokens decode to nothing.
		if got := tok.Decode([]int32{bot, 9906, eot}); got != "Hello" {
			t.Errorf("Decode with control tokens = %q, want %q", got, "Hello")
		}
		if got := tok.Encode("Hello", true, false); !slices.Equal(got, []int32{bot, 9906}) {
			t.Errorf("addSpecial: got %v, want [%d 9906]", got, bot)
		}
		for _, s := range []string{"<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"} {
			if !tok.IsEOG(tok.ids[s]) {
				t.Errorf("IsEOG(%s) = false", s)
			}
		}
		if tok.IsEOG(bot) || tok.IsEOG(9906) {
			t.Error("IsEOG true for a non-EOG token")
		}
	})
	t.Run(spmModel, func(t *testing.T) {
		tok := loadTokenizer(t, spmModel)
		if got := tok.Encode("<s>", false, true); !slices.Equal(got, []int32{1}) {
			t.Errorf("parseSpecial <s>: got %v, want [1]", got)
		}
		// After a special token the text gets the dummy prefix again.
		want := append([]int32{1}, tok.Encode("Hello", false, false)...)
		want = append(want, 2)
		if got := tok.Encode("<s>Hello</s>", false, true); !slices.Equal(got, want) {
			t.Errorf("parseSpecial: got %v, want %v", got, want)
		}
		if got := tok.Encode("Hello world", true, false); !slices.Equal(got, []int32{1, 15043, 3186}) {
			t.Errorf("addSpecial: got %v", got)
		}
		if got := tok.Encode("", true, false); !slices.Equal(got, []int32{1}) {
			t.Errorf("addSpecial on empty text: got %v, want [1]", got)
		}
		// llama.cpp keeps the space after a leading BOS.
		if got := tok.Decode([]int32{1, 15043, 3186}); got != " Hello world" {
			t.Errorf("Decode(BOS Hello world) = %q", got)
		}
		if !tok.IsEOG(2) || tok.IsEOG(1) {
			t.Error("IsEOG wrong for </s> or <s>")
		}
		if tok.Token(15043) != "▁Hello" || string(tok.Piece(15043)) != " Hello" {
			t.Errorf("Token/Piece(15043) = %q, %q", tok.Token(15043), tok.Piece(15043))
		}
	})
}

var streamTexts = []string{
	"emoji 🤖🚀 mixed",
	"日本語のテキスト",
	"👩‍👩‍👧‍👦 family, 🇯🇵 flag",
	"naïve café — résumé",
	"Ω≈ç√∫˜µ≤≥÷ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
	"  leading and trailing  ",
	"한국어 텍스트와 中文混合",
}

func TestDecoder(t *testing.T) {
	for _, name := range []string{spmModel, bpeModel} {
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, name)
			for _, s := range streamTexts {
				for _, special := range []bool{false, true} {
					ids := tok.Encode(s, special, false)
					d := tok.NewDecoder()
					var sb strings.Builder
					for _, id := range ids {
						out := d.Add(id)
						if !utf8.ValidString(out) {
							t.Errorf("%q: Add(%d) returned invalid UTF-8 %q", s, id, out)
						}
						sb.WriteString(out)
					}
					sb.WriteString(d.Flush())
					if got, want := sb.String(), tok.Decode(ids); got != want {
						t.Errorf("streamed %q, Decode %q", got, want)
					}
					if want := expectedRoundTrip(tok, s, special); sb.String() != want {
						t.Errorf("streamed %q, want %q", sb.String(), want)
					}
				}
			}
		})
	}
}

func TestDecoderInvalidBytes(t *testing.T) {
	tok := loadTokenizer(t, spmModel)
	byteTok := func(b byte) int32 { return tok.byteFallback[b] }
	// An emoji cut short by a plain token, a stray continuation byte and a
	// sequence left incomplete at the end.
	ids := []int32{byteTok(0xF0), byteTok(0x9F), 15043, byteTok(0x80), byteTok(0xE6), byteTok(0x97)}
	d := tok.NewDecoder()
	var sb strings.Builder
	for _, id := range ids {
		out := d.Add(id)
		if !utf8.ValidString(out) {
			t.Fatalf("Add(%d) returned invalid UTF-8 %q", id, out)
		}
		sb.WriteString(out)
	}
	sb.WriteString(d.Flush())
	want := validUTF8([]byte(tok.Decode(ids)))
	if sb.String() != want {
		t.Errorf("streamed %q, want %q", sb.String(), want)
	}
	if want != "\uFFFD\uFFFD Hello\uFFFD\uFFFD\uFFFD" {
		t.Errorf("Decode = %q", want)
	}
}

func TestContinuationDecoder(t *testing.T) {
	tok := loadTokenizer(t, spmModel)
	d := tok.NewContinuationDecoder()
	if got := d.Add(15043) + d.Add(3186) + d.Flush(); got != " Hello world" {
		t.Errorf("got %q, want %q", got, " Hello world")
	}
}

func TestNewErrors(t *testing.T) {
	spm := func() Vocab {
		v := Vocab{Model: "llama", BOS: 1, EOS: 2, UNK: 0, PAD: -1, EOT: -1, EOM: -1, AddBOS: true, AddSpacePrefix: true}
		v.Tokens = []string{"<unk>", "<s>", "</s>"}
		v.Types = []int32{TypeUnknown, TypeControl, TypeControl}
		for b := range 256 {
			v.Tokens = append(v.Tokens, "<0x"+strings.ToUpper(string("0123456789abcdef"[b>>4])+string("0123456789abcdef"[b&15]))+">")
			v.Types = append(v.Types, TypeByte)
		}
		v.Tokens = append(v.Tokens, "▁a")
		v.Types = append(v.Types, TypeNormal)
		return v
	}
	if _, err := New(spm()); err != nil {
		t.Fatalf("valid vocabulary: %v", err)
	}
	cases := map[string]func(*Vocab){
		"model":      func(v *Vocab) { v.Model = "bert" },
		"empty":      func(v *Vocab) { v.Tokens, v.Types = nil, nil },
		"bos range":  func(v *Vocab) { v.BOS = int32(len(v.Tokens)) },
		"eot range":  func(v *Vocab) { v.EOT = -5 },
		"no bos":     func(v *Vocab) { v.BOS = -1 },
		"scores":     func(v *Vocab) { v.Scores = []float32{1} },
		"types":      func(v *Vocab) { v.Types = v.Types[:2] },
		"duplicate":  func(v *Vocab) { v.Tokens[len(v.Tokens)-1] = "<s>" },
		"byte token": func(v *Vocab) { v.Tokens[3+0x41] = "A" + "x" },
		"pre":        func(v *Vocab) { v.Model, v.Pre, v.Merges = "gpt2", "qwen2", []string{} },
		"merge":      func(v *Vocab) { v.Model, v.Pre, v.Merges = "gpt2", "gpt-2", []string{"ab"} },
	}
	for name, mutate := range cases {
		v := spm()
		mutate(&v)
		if _, err := New(v); err == nil {
			t.Errorf("%s: New accepted an invalid vocabulary", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestSPMSplitWords checks the shortcut of tokenizing SPM text word by word
// against running the merge loop over the whole text, as llama.cpp does.
func TestSPMSplitWords(t *testing.T) {
	tok := loadTokenizer(t, spmModel)
	if !tok.splitWords {
		t.Fatal("the Llama 2 vocabulary should allow splitting at words")
	}
	data, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	text := string(data[:min(len(data), 400_000)])
	text = strings.ToValidUTF8(text, "")
	split := tok.Encode(text, false, false)
	tok.splitWords = false
	whole := tok.Encode(text, false, false)
	tok.splitWords = true
	if !slices.Equal(split, whole) {
		t.Fatalf("word-by-word tokenization differs from whole-text tokenization")
	}
}

func TestConcurrentEncode(t *testing.T) {
	lines := corpusLines(t, 2000)
	for _, name := range []string{spmModel, bpeModel} {
		tok := loadTokenizer(t, name)
		want := make([][]int32, len(lines))
		for i, s := range lines {
			want[i] = tok.Encode(s, true, true)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := g; i < len(lines); i += 4 {
					if got := tok.Encode(lines[i], true, true); !slices.Equal(got, want[i]) {
						t.Errorf("%s: concurrent Encode(%q) = %v, want %v", name, lines[i], got, want[i])
					}
				}
			})
		}
		wg.Wait()
	}
}

// TestGreedyPrompts checks Encode with addSpecial against the prompt tokens
// (BOS and the prompt) that llama.cpp decoded for each shared model, which
// also loads every shared model's tokenizer through FromGGUF.
func TestGreedyPrompts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "reference", "greedy.*.json"))
	if len(files) == 0 {
		t.Skip("no greedy references in " + sharedDir)
	}
	for _, path := range files {
		var ref struct {
			Model   string `json:"model"`
			Results []struct {
				Prompt       string  `json:"prompt"`
				PromptTokens []int32 `json:"prompt_tokens"`
			} `json:"results"`
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &ref); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name := strings.TrimSuffix(ref.Model, ".gguf")
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, name)
			for _, r := range ref.Results {
				if got := tok.Encode(r.Prompt, true, false); !slices.Equal(got, r.PromptTokens) {
					t.Errorf("Encode(%q)\n got %v\nwant %v", r.Prompt, got, r.PromptTokens)
				}
			}
		})
	}
}
