// Package serving is a load generator for an OpenAI-compatible server (sovra
// serve or any other): N concurrent clients send streamed completion
// requests, and the report gives requests/s, output tokens/s, and the
// percentiles of time to first token (TTFT), inter-token latency (ITL) and
// request latency, as vLLM's benchmark_serving reports them.
package serving

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options describe one load test.
type Options struct {
	URL       string // the server's base URL, without /v1
	APIKey    string
	Model     string
	Clients   int    // concurrent clients
	Requests  int    // requests in all
	Prompt    string // the prompt of every request (each gets a distinct prefix)
	MaxTokens int    // tokens per completion (generation ignores end-of-text)
}

// Report is the outcome of Run.
type Report struct {
	Clients         int           `json:"clients"`
	Requests        int           `json:"requests"`
	Failed          int           `json:"failed"`
	Duration        time.Duration `json:"duration_ns"`
	PromptTokens    int           `json:"prompt_tokens"`
	OutputTokens    int           `json:"output_tokens"`
	RequestsPerSec  float64       `json:"requests_per_s"`
	OutputTokPerSec float64       `json:"output_tokens_per_s"`
	TTFT            Percentiles   `json:"ttft_ms"`
	ITL             Percentiles   `json:"itl_ms"`
	Latency         Percentiles   `json:"latency_ms"`
	FirstError      string        `json:"first_error,omitempty"`
}

// Percentiles of a latency, in milliseconds.
type Percentiles struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	at := func(p float64) float64 { return ms(d[min(len(d)-1, int(p*float64(len(d))))]) }
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Percentiles{Mean: ms(sum / time.Duration(len(d))), P50: at(.5), P90: at(.9), P99: at(.99), Max: ms(d[len(d)-1])}
}

type sample struct {
	ttft, latency time.Duration
	itl           []time.Duration
	prompt, out   int
	err           error
}

// Run sends o.Requests requests from o.Clients clients and reports.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Clients < 1 || o.Requests < 1 || o.MaxTokens < 1 {
		return nil, errors.New("serving: clients, requests and max tokens must be at least 1")
	}
	next := make(chan int, o.Requests)
	for i := range o.Requests {
		next <- i
	}
	close(next)
	results := make(chan sample, o.Requests)
	client := &http.Client{}
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Clients {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					return
				}
				results <- one(ctx, client, o, i)
			}
		})
	}
	wg.Wait()
	close(results)
	r := &Report{Clients: o.Clients, Duration: time.Since(start)}
	var ttft, itl, lat []time.Duration
	for s := range results {
		r.Requests++
		if s.err != nil {
			r.Failed++
			if r.FirstError == "" {
				r.FirstError = s.err.Error()
			}
			continue
		}
		r.PromptTokens += s.prompt
		r.OutputTokens += s.out
		ttft = append(ttft, s.ttft)
		lat = append(lat, s.latency)
		itl = append(itl, s.itl...)
	}
	secs := r.Duration.Seconds()
	r.RequestsPerSec = float64(r.Requests-r.Failed) / secs
	r.OutputTokPerSec = float64(r.OutputTokens) / secs
	r.TTFT, r.ITL, r.Latency = percentiles(ttft), percentiles(itl), percentiles(lat)
	return r, ctx.Err()
}

// one sends request i and times its stream.
func one(ctx context.Context, client *http.Client, o Options, i int) (s sample) {
	body, _ := json.Marshal(map[string]any{
		"model":          o.Model,
		"prompt":         fmt.Sprintf("%d. %s", i, o.Prompt),
		"max_tokens":     o.MaxTokens,
		"ignore_eos":     true,
		"temperature":    0,
		"stream":         true,
		"stream_options": map[string]bool{"include_usage": true},
	})
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(o.URL, "/")+"/v1/completions", bytes.NewReader(body))
	if err != nil {
		return sample{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return sample{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return sample{err: fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var last time.Time
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			break
		}
		var chunk struct {
			Choices []struct {
				Text string `json:"text"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens     int `json:"prompt_tokens"`
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return sample{err: err}
		}
		if chunk.Error != nil {
			return sample{err: errors.New(chunk.Error.Message)}
		}
		if chunk.Usage != nil {
			s.prompt, s.out = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
		}
		if len(chunk.Choices) > 0 && chunk.Choices[0].Text != "" {
			now := time.Now()
			if last.IsZero() {
				s.ttft = now.Sub(start)
			} else {
				s.itl = append(s.itl, now.Sub(last))
			}
			last = now
		}
	}
	if err := sc.Err(); err != nil {
		return sample{err: err}
	}
	s.latency = time.Since(start)
	return s
}

// Markdown writes r as a small table.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "| clients | requests | failed | req/s | output tok/s | TTFT p50/p90/p99 ms | ITL p50/p90/p99 ms | latency p50/p99 ms |\n")
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(w, "| %d | %d | %d | %.2f | %.1f | %.1f / %.1f / %.1f | %.2f / %.2f / %.2f | %.0f / %.0f |\n",
		r.Clients, r.Requests, r.Failed, r.RequestsPerSec, r.OutputTokPerSec,
		r.TTFT.P50, r.TTFT.P90, r.TTFT.P99, r.ITL.P50, r.ITL.P90, r.ITL.P99, r.Latency.P50, r.Latency.P99)
	if r.FirstError != "" {
		fmt.Fprintf(w, "\nfirst error: %s\n", r.FirstError)
	}
}
