package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests run the real command: the test binary re-executes itself with
// SOVRA_TEST_MAIN set, and then behaves as sovra.
func TestMain(m *testing.M) {
	if os.Getenv("SOVRA_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const shared = "../../../shared"

func sovra(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SOVRA_TEST_MAIN=1")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func needShared(t *testing.T, path string) string {
	t.Helper()
	p := filepath.Join(shared, path)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found (../shared is not beside the checkout)", p)
	}
	return p
}

func TestFailuresPrintOneLine(t *testing.T) {
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "not.gguf")
	os.WriteFile(notGGUF, []byte("this is not a model file at all"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "-m", filepath.Join(dir, "missing.gguf")}, "no such file"},
		{[]string{"run", "-m", notGGUF}, "not a GGUF file"},
		{[]string{"inspect", "-m", notGGUF}, "not a GGUF file"},
		{[]string{"run", "-c", "4", "-p", "a prompt that is much longer than four tokens"}, "prompt does not fit the context"},
		{[]string{"run", "--ids", "1,x"}, `bad token id "x"`},
		{[]string{"run", "--ids", "1,99999999"}, "outside the vocabulary"},
		{[]string{"run", "--cache-type", "q4_0"}, "KV cache type"},
		{[]string{"logits"}, "give exactly one of --ids and -p"},
		{[]string{"run", "--backend", "tpu"}, `no backend "tpu"`},
		{[]string{"frobnicate"}, "unknown command"},
	}
	if _, err := os.Stat(filepath.Join(shared, "models")); err == nil {
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{"run", "-m", filepath.Join(shared, "models", "llama3.2-vocab.gguf")}, `missing tensor "token_embd.weight"`})
	}
	for _, c := range cases {
		_, stderr, code := sovra(t, c.args...)
		if code == 0 {
			t.Errorf("sovra %v: exit 0", c.args)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("sovra %v: stderr %q, want it to contain %q", c.args, stderr, c.want)
		}
		if c.args[0] != "frobnicate" && strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "Usage") {
			t.Errorf("sovra %v: more than one line on stderr: %q", c.args, stderr)
		}
	}
}

func TestRunJSON(t *testing.T) {
	stdout, stderr, code := sovra(t, "run", "-p", "Hello", "-n", "5", "--temp", "0", "--ignore-eos", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Model        string
		Backend      string
		PromptTokens []int32 `json:"prompt_tokens"`
		Tokens       []int32
		Text         string
		Timings      map[string]float64
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	// The seed model's SentencePiece vocabulary: BOS 1, "Hello" 15043
	// (llama.cpp's tokenization, see shared/reference).
	if !slices.Equal(out.PromptTokens, []int32{1, 15043}) || len(out.Tokens) != 5 || out.Backend != "cpu" {
		t.Errorf("got %+v", out)
	}
	for _, k := range []string{"load_ms", "prompt_ms", "prompt_tokens_per_s", "gen_ms", "gen_tokens_per_s"} {
		if _, ok := out.Timings[k]; !ok {
			t.Errorf("timings lack %s", k)
		}
	}
}

func TestTokenizeMatchesLlamaCpp(t *testing.T) {
	ref := needShared(t, "reference/tokenize.llama3.2-vocab.json")
	model := needShared(t, "models/llama3.2-vocab.gguf")
	data, _ := os.ReadFile(ref)
	var r struct {
		Tokenize []struct {
			Text string
			IDs  []int32
		}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Tokenize[:12] {
		file := filepath.Join(t.TempDir(), "text")
		os.WriteFile(file, []byte(c.Text), 0o644)
		stdout, stderr, code := sovra(t, "tokenize", "-m", model, "--json", "--file", file)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var out struct{ IDs []int32 }
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.IDs, c.IDs) && !(len(out.IDs) == 0 && len(c.IDs) == 0) {
			t.Errorf("%q: %v, llama.cpp %v", c.Text, out.IDs, c.IDs)
		}
	}
}

func TestLogitsMatchesLlamaCpp(t *testing.T) {
	refPath := needShared(t, "reference/greedy.parity-llama-F32.json")
	model := needShared(t, "models/parity-llama-F32.gguf")
	data, _ := os.ReadFile(refPath)
	var ref struct {
		Results []struct {
			PromptTokens []int32 `json:"prompt_tokens"`
			StepsTop     [][]struct {
				ID    int32
				Logit float32
			} `json:"steps_top"`
		}
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	r := ref.Results[0]
	ids := make([]string, len(r.PromptTokens))
	for i, id := range r.PromptTokens {
		ids[i] = strconv.Itoa(int(id))
	}
	stdout, stderr, code := sovra(t, "logits", "-m", model, "--ids", strings.Join(ids, ","), "--top", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Positions []struct {
			Top []struct {
				ID    int32
				Logit float32
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Positions) != len(r.PromptTokens) {
		t.Fatalf("%d positions for %d ids", len(out.Positions), len(r.PromptTokens))
	}
	// The last position's logits are llama.cpp's first generation step.
	last, want := out.Positions[len(out.Positions)-1].Top[0], r.StepsTop[0][0]
	if last.ID != want.ID || abs(last.Logit-want.Logit) > 1e-3*abs(want.Logit) {
		t.Errorf("top logit %+v, llama.cpp %+v", last, want)
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
