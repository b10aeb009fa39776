package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeShutsDownGracefully starts `sovra serve` on a free port, checks
// that it answers, and sends SIGTERM while a streamed request runs: the
// request must still end normally and the server exit 0.
func TestServeShutsDownGracefully(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--port", "0", "--parallel", "2", "-c", "4096")
	cmd.Env = append(os.Environ(), "SOVRA_TEST_MAIN=1", "SOVRA_API_KEY=k")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	var addr string
	for lines.Scan() {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	if addr == "" {
		t.Fatal("no address printed")
	}
	var log strings.Builder
	logDone := make(chan struct{})
	go func() {
		for lines.Scan() {
			log.WriteString(lines.Text() + "\n")
		}
		close(logDone)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("never healthy")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Without the key from SOVRA_API_KEY: 401.
	resp, err := http.Post(addr+"/v1/completions", "application/json", strings.NewReader(`{"prompt": "hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("no key: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", addr+"/v1/completions", strings.NewReader(
		`{"prompt": "Once upon a time", "max_tokens": 1500, "ignore_eos": true, "stream": true, "temperature": 0}`))
	req.Header.Set("Authorization", "Bearer k")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // the first event has come
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rest), `"finish_reason":"length"`) || !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Errorf("the in-flight stream did not end normally: ...%s", rest[max(0, len(rest)-300):])
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
	<-logDone
	if !strings.Contains(log.String(), "shutting down") {
		t.Errorf("log: %s", log.String())
	}
}

func TestChatReadsTurns(t *testing.T) {
	cmd := exec.Command(os.Args[0], "chat", "--temp", "0", "-n", "4", "-sys", "Be brief.")
	cmd.Env = append(os.Environ(), "SOVRA_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader("Hello there\n/reset\nAnd again\n/exit\n")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	// Two replies of up to four tokens, each after a prompt.
	turns := strings.Split(out.String(), "> ")
	if len(turns) != 5 {
		t.Fatalf("%d prompts in %q, want 4", len(turns)-1, out.String())
	}
	if strings.TrimSpace(turns[1]) == "" || strings.TrimSpace(turns[3]) == "" {
		t.Errorf("empty reply in %q", out.String())
	}
	if !strings.Contains(errb.String(), "ChatML") {
		t.Errorf("stderr %q does not say the fallback template is used", errb.String())
	}
}

func TestBenchServe(t *testing.T) {
	stdout, stderr, code := sovra(t, "bench", "serve", "--clients", "2", "--requests", "4", "--max-tokens", "5", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Requests, Failed int
		OutputTokens     int                   `json:"output_tokens"`
		PerSec           float64               `json:"output_tokens_per_s"`
		TTFT             struct{ P50 float64 } `json:"ttft_ms"`
		ITL              struct{ P50 float64 } `json:"itl_ms"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if r.Requests != 4 || r.Failed != 0 || r.OutputTokens != 20 || r.PerSec <= 0 || r.TTFT.P50 <= 0 || r.ITL.P50 <= 0 {
		t.Errorf("report %+v", r)
	}
}
