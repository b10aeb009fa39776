package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sovra/bench"
)

// benchEnv returns an environment whose user cache directory is empty but for
// a bandwidth measurement (made quickly on a small buffer), and whose PATH
// has no npm, git or g++, so that llama-bench can be neither found nor built.
func benchEnv(t *testing.T) []string {
	t.Helper()
	cache := t.TempDir()
	_, err := bench.MachineBandwidth(bench.ReadMachine().CPU, 1, bench.BandwidthOptions{
		CachePath:   filepath.Join(cache, "sovra", "bandwidth.json"),
		BufferBytes: 8 << 20,
		Passes:      1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "SOVRA_TEST_MAIN=1", "XDG_CACHE_HOME="+cache, "HOME="+cache, "PATH="+t.TempDir())
}

func sovraEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = env
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

func TestBenchWithoutLlamaCpp(t *testing.T) {
	model := needShared(t, "models/parity-llama-Q4_0.gguf")
	stdout, stderr, code := sovraEnv(t, benchEnv(t), "bench", "-m", model, "-p", "16", "-n", "4", "-r", "2", "-t", "1", "--vs", "llama.cpp")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "not comparing with llama.cpp") || !strings.Contains(stderr, "npm not found") {
		t.Errorf("stderr does not say why llama.cpp is not compared: %q", stderr)
	}
	if !strings.Contains(stdout, "not compared: ") || !strings.Contains(stdout, "read bandwidth: ") {
		t.Errorf("stdout lacks the reason or the bandwidth:\n%s", stdout)
	}
	rows := 0
	for line := range strings.Lines(stdout) {
		if strings.Contains(line, "| sovra cpu ") {
			rows++
		}
		if strings.Contains(line, "llama.cpp CPU") {
			t.Errorf("a llama.cpp row: %s", line)
		}
	}
	if rows != 2 || !strings.Contains(stdout, "| pp16 ") || !strings.Contains(stdout, "| tg4 ") {
		t.Errorf("want sovra's pp16 and tg4 rows:\n%s", stdout)
	}
}

func TestBenchJSONPlotProfile(t *testing.T) {
	model := needShared(t, "models/parity-llama-Q4_0.gguf")
	dir := t.TempDir()
	svg, prof := filepath.Join(dir, "b.svg"), filepath.Join(dir, "b.pprof")
	stdout, stderr, code := sovraEnv(t, benchEnv(t), "bench", "-m", model+","+model, "-p", "0", "-n", "4,8", "-r", "2", "-t", "1",
		"-o", "json", "--plot", svg, "--cpuprofile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if len(r.Results) != 4 || r.Results[0].Test != "tg4" || r.Results[1].Test != "tg8" || r.Reps != 2 {
		t.Errorf("results %+v", r.Results)
	}
	if len(r.Bandwidth) != 1 || !r.Bandwidth[0].Cached || r.Machine.CPU == "" {
		t.Errorf("bandwidth %+v, machine %+v", r.Bandwidth, r.Machine)
	}
	for _, res := range r.Results {
		if res.BandwidthFraction <= 0 || len(res.SamplesTS) != 2 {
			t.Errorf("%s: bandwidth fraction %v, %d samples", res.Test, res.BandwidthFraction, len(res.SamplesTS))
		}
	}
	if !strings.Contains(stderr, "functions by self time") {
		t.Errorf("no profile summary on stderr: %q", stderr)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
	f, err := os.Open(svg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("plot: %v", err)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "no model"},
		{[]string{"bench", "-m", "x.gguf", "-o", "xml"}, "want md, csv or json"},
		{[]string{"bench", "-m", "x.gguf", "--vs", "vllm"}, "the only peer is llama.cpp"},
		{[]string{"bench", "-m", "x.gguf", "-p", "64,x"}, `-p: bad number "x"`},
		{[]string{"bench", "-m", "x.gguf", "-t", "0"}, "-t 0"},
		{[]string{"bench", "-m", "x.gguf", "-p", "0", "-n", "0"}, "no test"},
		{[]string{"bench", "-m", "x.gguf", "-r", "0"}, "0 repetitions"},
		{[]string{"bench", "-m", "/nonexistent/x.gguf"}, "no such file"},
	} {
		_, stderr, code := sovra(t, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("sovra %v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
