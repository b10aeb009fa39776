package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthFailuresPrintOneLine(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.gguf")
	notGGUF := filepath.Join(dir, "not.gguf")
	os.WriteFile(notGGUF, []byte("this is not a model file at all"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"synth", "--type", "q3_x", "-o", out}, `unknown type "q3_x" (want one of`},
		{[]string{"synth", "--shape", "llama-9b", "-o", out}, `unknown shape "llama-9b"`},
		{[]string{"synth", "--shape", "llama-3.2-1b", "-o", out}, "has 32000 tokens but shape llama-3.2-1b has a vocabulary of 128256: pass --tokenizer-from a GGUF file with 128256 tokens, or --vocab 32000"},
		{[]string{"synth", "--heads", "5", "-o", out}, "dim 256 is not a multiple of 5 heads"},
		{[]string{"synth", "--dim", "-4", "-o", out}, "--dim -4: want a positive size"},
		{[]string{"synth"}, "give the output file with -o"},
		{[]string{"synth", "--tokenizer-from", notGGUF, "-o", out}, "not a GGUF file"},
		{[]string{"synth", "-o", filepath.Join(dir, "missing", "m.gguf")}, "no such file"},
	}
	for _, c := range cases {
		_, stderr, code := sovra(t, c.args...)
		if code == 0 {
			t.Errorf("sovra %v: exit 0", c.args)
		}
		if !strings.HasPrefix(stderr, "sovra synth: ") || !strings.Contains(stderr, c.want) {
			t.Errorf("sovra %v: stderr %q, want it to contain %q", c.args, stderr, c.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("sovra %v: more than one line on stderr: %q", c.args, stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}

// TestSynthRun writes a small model, inspects it and runs it.
func TestSynthRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	stdout, stderr, code := sovra(t, "synth", "--layers", "1", "--ffn", "512", "--type", "q4_k_m", "--seed", "3", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"wrote " + out, "shape tiny-custom, type q4_k_m, seed 3", "12 tensors (F32 3, Q4_K 6, Q6_K 3)", "parameters", "MiB"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout %q lacks %q", stdout, want)
		}
	}
	stdout, stderr, code = sovra(t, "inspect", "-m", out)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"layers 1, ffn 512", "general.file_type                        15", "blk.0.ffn_down.weight            Q6_K"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q", want)
		}
	}
	if _, stderr, code = sovra(t, "run", "-m", out, "-n", "3", "-p", "Hi"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}

	stdout, _, code = sovra(t, "synth", "--list")
	if code != 0 || !strings.Contains(stdout, "llama-3.1-8b") || !strings.Contains(stdout, "8.03 B") {
		t.Errorf("--list: exit %d, %q", code, stdout)
	}
}
