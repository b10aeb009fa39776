package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	_ "sovra/backends/cpu"
	_ "sovra/models/all"
	"sovra/models/chat"
	"sovra/models/gguf"
	"sovra/runtime/engine"
	"sovra/runtime/server"
	"sovra/seeds"
)

const model = "seed"

type fixture struct {
	e      *engine.Engine
	sched  *engine.Scheduler
	srv    *server.Server
	url    string
	client openai.Client
}

// start serves the seed model on a loopback port.
func start(t testing.TB, o engine.SchedulerOptions, ctx int, apiKey string, before func(e *engine.Engine)) *fixture {
	t.Helper()
	f, err := gguf.Parse(seeds.Default)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.LoadFile(f, engine.Options{Context: ctx, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if before != nil {
		before(e)
	}
	sched, err := engine.NewScheduler(e, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Options{APIKey: apiKey, MaxBody: 1 << 20})
	srv.SetModel(server.EngineModel(model, e, sched))
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		sched.Close()
	})
	key := apiKey
	if key == "" {
		key = "unused"
	}
	client := openai.NewClient(option.WithBaseURL(ts.URL+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	return &fixture{e: e, sched: sched, srv: srv, url: ts.URL, client: client}
}

// reference is what the engine alone generates greedily for a prompt.
type reference struct {
	prompt []int32
	tokens []int32
	text   string
	finish string
}

func generate(t *testing.T, e *engine.Engine, prompt []int32, max int) reference {
	t.Helper()
	res, err := e.Generate(context.Background(), engine.Request{Prompt: prompt, MaxTokens: max}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, id := range res.Tokens {
		if !e.Tokenizer.IsEOG(id) {
			text += string(e.Tokenizer.Piece(id))
		}
	}
	if len(res.Tokens) > 0 && res.Tokens[0] >= 0 && e.Tokenizer.Model() == "llama" {
		// The SentencePiece decoder of a continuation keeps the leading
		// space of the first piece, as Decode of the whole would not.
		text = strings.ReplaceAll(text, "\u2581", " ")
	}
	return reference{prompt, res.Tokens, text, res.Finish}
}

func chatPrompt(t *testing.T, e *engine.Engine, msgs []chat.Message) []int32 {
	t.Helper()
	tmpl, err := e.ChatTemplate()
	if err != nil {
		t.Fatal(err)
	}
	text, err := tmpl.Render(msgs, true)
	if err != nil {
		t.Fatal(err)
	}
	return e.TokenizePrompt(text)
}

func TestChatAndCompletion(t *testing.T) {
	const maxTok = 12
	msgs := []chat.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Tell me a story."}}
	var chatRef, textRef reference
	fx := start(t, engine.SchedulerOptions{Parallel: 2}, 512, "", func(e *engine.Engine) {
		chatRef = generate(t, e, chatPrompt(t, e, msgs), maxTok)
		textRef = generate(t, e, e.TokenizePrompt("Once upon a time"), maxTok)
	})
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:       model,
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Tell me a story.")},
		MaxTokens:   openai.Int(maxTok),
		Temperature: openai.Float(0),
	}
	// Chat, whole.
	cc, err := fx.client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if got := cc.Choices[0].Message.Content; got != chatRef.text {
		t.Errorf("chat content %q, want %q", got, chatRef.text)
	}
	if cc.Choices[0].FinishReason != chatRef.finish {
		t.Errorf("chat finish %q, want %q", cc.Choices[0].FinishReason, chatRef.finish)
	}
	if cc.Usage.PromptTokens != int64(len(chatRef.prompt)) || cc.Usage.CompletionTokens != int64(len(chatRef.tokens)) ||
		cc.Usage.TotalTokens != cc.Usage.PromptTokens+cc.Usage.CompletionTokens {
		t.Errorf("chat usage %+v, want %d prompt and %d completion tokens", cc.Usage, len(chatRef.prompt), len(chatRef.tokens))
	}
	if cc.Object != "chat.completion" || cc.Model != model || !strings.HasPrefix(cc.ID, "chatcmpl-") {
		t.Errorf("chat object %q model %q id %q", cc.Object, cc.Model, cc.ID)
	}

	// Chat, streamed, with usage.
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := fx.client.Chat.Completions.NewStreaming(ctx, params)
	var text strings.Builder
	var finish string
	var usage *openai.CompletionUsage
	chunks := 0
	for stream.Next() {
		ch := stream.Current()
		chunks++
		if ch.Object != "chat.completion.chunk" {
			t.Errorf("chunk object %q", ch.Object)
		}
		if len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
			if ch.Choices[0].FinishReason != "" {
				finish = ch.Choices[0].FinishReason
			}
		}
		if ch.Usage.TotalTokens > 0 {
			u := ch.Usage
			usage = &u
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != chatRef.text || finish != chatRef.finish {
		t.Errorf("streamed chat %q (%s), want %q (%s)", text.String(), finish, chatRef.text, chatRef.finish)
	}
	if usage == nil || usage.PromptTokens != int64(len(chatRef.prompt)) || usage.CompletionTokens != int64(len(chatRef.tokens)) {
		t.Errorf("streamed usage %+v, want %d and %d", usage, len(chatRef.prompt), len(chatRef.tokens))
	}
	if chunks < 3 {
		t.Errorf("%d chunks: not streamed", chunks)
	}

	// Completion, whole and streamed.
	cp := openai.CompletionNewParams{
		Model:       model,
		Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens:   openai.Int(maxTok),
		Temperature: openai.Float(0),
	}
	c, err := fx.client.Completions.New(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if c.Choices[0].Text != textRef.text || string(c.Choices[0].FinishReason) != textRef.finish {
		t.Errorf("completion %q (%s), want %q (%s)", c.Choices[0].Text, c.Choices[0].FinishReason, textRef.text, textRef.finish)
	}
	if c.Usage.PromptTokens != int64(len(textRef.prompt)) || c.Usage.CompletionTokens != int64(len(textRef.tokens)) {
		t.Errorf("completion usage %+v, want %d and %d", c.Usage, len(textRef.prompt), len(textRef.tokens))
	}
	cs := fx.client.Completions.NewStreaming(ctx, cp)
	text.Reset()
	for cs.Next() {
		if ch := cs.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Text)
		}
	}
	if err := cs.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != textRef.text {
		t.Errorf("streamed completion %q, want %q", text.String(), textRef.text)
	}

	// Logprobs: the chosen token is the most likely one under greedy.
	cp.Logprobs = openai.Int(3)
	c, err = fx.client.Completions.New(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	lp := c.Choices[0].Logprobs
	if len(lp.TokenLogprobs) != len(textRef.tokens) || len(lp.TopLogprobs) != len(textRef.tokens) {
		t.Fatalf("logprobs for %d tokens, want %d", len(lp.TokenLogprobs), len(textRef.tokens))
	}
	for i, top := range lp.TopLogprobs {
		best := -1e9
		for _, v := range top {
			best = max(best, v)
		}
		if len(top) == 0 || lp.TokenLogprobs[i] > 0 || lp.TokenLogprobs[i] < best-1e-6 {
			t.Errorf("token %d: logprob %v, top %v", i, lp.TokenLogprobs[i], top)
		}
	}

	// The model list.
	models, err := fx.client.Models.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(models.Data) != 1 || models.Data[0].ID != model {
		t.Errorf("models %+v", models.Data)
	}
}

func TestStopSequences(t *testing.T) {
	var ref reference
	fx := start(t, engine.SchedulerOptions{Parallel: 1}, 256, "", func(e *engine.Engine) {
		ref = generate(t, e, e.TokenizePrompt("Once upon a time"), 16)
	})
	// A stop string made of the end of one token's text and the start of
	// the next one's.
	var stop string
	done := ""
	for i := 0; i+1 < len(ref.tokens); i++ {
		done += strings.ReplaceAll(string(fx.e.Tokenizer.Piece(ref.tokens[i])), "\u2581", " ")
		next := strings.ReplaceAll(string(fx.e.Tokenizer.Piece(ref.tokens[i+1])), "\u2581", " ")
		if len(done) >= 2 && len(next) >= 2 && strings.Index(ref.text, done[len(done)-1:]+next[:1]) == len(done)-1 {
			stop = done[len(done)-1:] + next[:1]
			break
		}
	}
	if stop == "" {
		t.Skipf("no stop string spanning two tokens in %q", ref.text)
	}
	want := ref.text[:strings.Index(ref.text, stop)]
	for _, streamed := range []bool{false, true} {
		p := openai.CompletionNewParams{
			Model:       model,
			Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
			MaxTokens:   openai.Int(16),
			Temperature: openai.Float(0),
			Stop:        openai.CompletionNewParamsStopUnion{OfStringArray: []string{"\x00never", stop}},
		}
		var got, finish string
		if streamed {
			s := fx.client.Completions.NewStreaming(context.Background(), p)
			for s.Next() {
				if ch := s.Current(); len(ch.Choices) > 0 {
					got += ch.Choices[0].Text
					if ch.Choices[0].FinishReason != "" {
						finish = string(ch.Choices[0].FinishReason)
					}
				}
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
		} else {
			c, err := fx.client.Completions.New(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			got, finish = c.Choices[0].Text, string(c.Choices[0].FinishReason)
		}
		if got != want || finish != "stop" {
			t.Errorf("streamed %v, stop %q: %q (%s), want %q (stop); full text %q", streamed, stop, got, finish, want, ref.text)
		}
	}
}

// TestParallelStreamsEqualAlone runs 16 greedy streaming requests at once
// and checks each against the same request alone.
func TestParallelStreamsEqualAlone(t *testing.T) {
	const n, maxTok = 16, 16
	prompts := make([]string, n)
	refs := make([]reference, n)
	fx := start(t, engine.SchedulerOptions{Parallel: 8, Chunk: 24}, 8*128, "", func(e *engine.Engine) {
		for i := range prompts {
			prompts[i] = fmt.Sprintf("Request number %d says: %s", i, strings.Repeat("la ", i))
			refs[i] = generate(t, e, e.TokenizePrompt(prompts[i]), maxTok)
		}
	})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := fx.client.Completions.NewStreaming(context.Background(), openai.CompletionNewParams{
				Model:       model,
				Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String(prompts[i])},
				MaxTokens:   openai.Int(maxTok),
				Temperature: openai.Float(0),
			})
			got := ""
			for s.Next() {
				if ch := s.Current(); len(ch.Choices) > 0 {
					got += ch.Choices[0].Text
				}
			}
			if err := s.Err(); err != nil {
				t.Error(err)
				return
			}
			if got != refs[i].text {
				t.Errorf("request %d: %q, alone %q", i, got, refs[i].text)
			}
		})
	}
	wg.Wait()
	waitIdle(t, fx.sched)
}

func waitIdle(t *testing.T, s *engine.Scheduler) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if st.Active == 0 && st.KVUsed == 0 && st.Queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduler not idle: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

// endless asks for more tokens than anyone will wait for.
func endless() openai.CompletionNewParams {
	return openai.CompletionNewParams{
		Model:     model,
		Prompt:    openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens: openai.Int(1 << 30),
	}
}

func TestCancelFreesTheSequence(t *testing.T) {
	fx := start(t, engine.SchedulerOptions{Parallel: 1}, 1<<16, "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	s := fx.client.Completions.NewStreaming(ctx, endless(), option.WithJSONSet("ignore_eos", true))
	for range 3 {
		if !s.Next() {
			t.Fatalf("stream ended: %v", s.Err())
		}
	}
	if st := fx.sched.Stats(); st.Active != 1 || st.KVUsed == 0 {
		t.Errorf("while streaming: %+v", st)
	}
	cancel()
	s.Close()
	waitIdle(t, fx.sched)
	// The sequence serves the next request.
	c, err := fx.client.Completions.New(context.Background(), openai.CompletionNewParams{
		Model: model, Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Hi")}, MaxTokens: openai.Int(2),
	})
	if err != nil || c.Usage.CompletionTokens == 0 {
		t.Errorf("after a cancel: %v", err)
	}
}

func TestErrors(t *testing.T) {
	fx := start(t, engine.SchedulerOptions{Parallel: 1, Queue: 1}, 64, "sekrit", nil)
	ctx := context.Background()
	small := openai.CompletionNewParams{
		Model: model, Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Hi")}, MaxTokens: openai.Int(2),
	}
	check := func(what string, err error, status int, code, inMessage string) {
		t.Helper()
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) {
			t.Errorf("%s: err %v, want an API error %d", what, err, status)
			return
		}
		if apiErr.StatusCode != status || apiErr.Code != code || !strings.Contains(apiErr.Message, inMessage) {
			t.Errorf("%s: %d %q %q, want %d %q with %q", what, apiErr.StatusCode, apiErr.Code, apiErr.Message, status, code, inMessage)
		}
	}
	_, err := fx.client.Completions.New(ctx, small, option.WithAPIKey("wrong"))
	check("wrong key", err, 401, "invalid_api_key", "incorrect API key")
	_, err = fx.client.Completions.New(ctx, small, option.WithHeaderDel("Authorization"))
	check("no key", err, 401, "invalid_api_key", "missing API key")
	p := small
	p.Model = "gpt-4o"
	_, err = fx.client.Completions.New(ctx, p)
	check("unknown model", err, 404, "model_not_found", `"gpt-4o"`)
	p = small
	p.N = openai.Int(2)
	_, err = fx.client.Completions.New(ctx, p)
	check("n=2", err, 400, "", "n = 2 is not supported")
	p = small
	p.MaxTokens = openai.Int(-5)
	_, err = fx.client.Completions.New(ctx, p)
	check("negative max_tokens", err, 400, "", "at least 1")
	long := strings.Repeat("word ", 100)
	nLong := len(fx.e.TokenizePrompt(long))
	p = small
	p.Prompt = openai.CompletionNewParamsPromptUnion{OfString: openai.String(long)}
	_, err = fx.client.Completions.New(ctx, p)
	check("long prompt", err, 400, "context_length_exceeded", fmt.Sprintf("is 64 tokens, but the prompt has %d tokens", nLong))
	_, err = fx.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(long)},
	})
	check("long chat", err, 400, "context_length_exceeded", "maximum context length is 64 tokens")

	// Queue full: one request runs, one waits, the third is refused.
	var wg sync.WaitGroup
	ctx2, cancel := context.WithCancel(ctx)
	streams := make([]chan struct{}, 2)
	for i := range streams {
		streams[i] = make(chan struct{})
		wg.Go(func() {
			s := fx.client.Completions.NewStreaming(ctx2, endless(), option.WithJSONSet("ignore_eos", true))
			close(streams[i])
			for s.Next() {
			}
			s.Close()
		})
		<-streams[i]
		deadline := time.Now().Add(5 * time.Second)
		for st := fx.sched.Stats(); st.Active+st.Queued < i+1; st = fx.sched.Stats() {
			if time.Now().After(deadline) {
				t.Fatalf("request %d not admitted: %+v", i, st)
			}
			time.Sleep(time.Millisecond)
		}
	}
	_, err = fx.client.Completions.New(ctx, small)
	check("queue full", err, 429, "queue_full", "queue is full")
	cancel()
	wg.Wait()
	waitIdle(t, fx.sched)

	// Hostile bodies, by hand.
	raw := func(body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", fx.url+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sekrit")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"malformed", `{"messages": [`, 400, "not valid JSON"},
		{"invalid UTF-8", "{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe\"}]}", 400, "not valid UTF-8"},
		{"deeply nested", `{"messages": [{"role": "user", "content": "x"}], "extra": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, 400, "not valid JSON"},
		{"huge", `{"messages": [{"role": "user", "content": "` + strings.Repeat("a", 2<<20) + `"}]}`, 413, "larger than the limit"},
		{"no messages", `{"messages": []}`, 400, "at least one message"},
		{"wrong type", `{"messages": "hello"}`, 400, "messages"},
		{"image part", `{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}`, 400, "only text"},
		{"bad stop", `{"messages": [{"role": "user", "content": "x"}], "stop": 5}`, 400, "stop must be"},
		{"bad top_p", `{"messages": [{"role": "user", "content": "x"}], "top_p": -1}`, 400, "top_p"},
	} {
		status, body := raw(c.body)
		if status != c.status || !strings.Contains(body, c.want) || !strings.Contains(body, `"error":{"message":`) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, status, body, c.status, c.want)
		}
	}
}

func TestTemplateFailureIs500(t *testing.T) {
	fx := start(t, engine.SchedulerOptions{Parallel: 1}, 64, "", nil)
	tmpl, err := chat.New("{{ raise_exception('no chat here') }}", "", "")
	if err != nil {
		t.Fatal(err)
	}
	m := server.EngineModel(model, fx.e, fx.sched)
	m.Template = tmpl
	fx.srv.SetModel(m)
	_, err = fx.client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != "chat_template_error" || !strings.Contains(apiErr.Message, "no chat here") {
		t.Errorf("err %v, want a 500 chat_template_error naming the template's message", err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	srv := server.New(server.Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/health"); code != 503 {
		t.Errorf("health while loading: %d, want 503", code)
	}
	if code, body := get("/v1/models"); code != 503 || !strings.Contains(body, "loading") {
		t.Errorf("models while loading: %d %s", code, body)
	}

	fx := start(t, engine.SchedulerOptions{Parallel: 1}, 64, "", nil)
	_, err := fx.client.Completions.New(context.Background(), openai.CompletionNewParams{
		Model: model, Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Hi")}, MaxTokens: openai.Int(3),
		Temperature: openai.Float(0),
	}, option.WithJSONSet("ignore_eos", true))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(fx.url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health: %d", resp.StatusCode)
	}
	resp, err = http.Get(fx.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(b)
	prompt := len(fx.e.TokenizePrompt("Hi"))
	for _, want := range []string{
		`sovra_requests_total{code="200",endpoint="completions"} 1`,
		fmt.Sprintf("sovra_prompt_tokens_total %d", prompt),
		"sovra_generated_tokens_total 3",
		"sovra_time_to_first_token_seconds_count 1",
		"sovra_inter_token_latency_seconds_count 2",
		"sovra_queue_depth 0",
		"sovra_kv_cache_usage_ratio 0",
		"sovra_active_sequences 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(metrics)
	}

}
