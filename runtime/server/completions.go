package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sovra/models/chat"
	"sovra/runtime/engine"
)

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	const endpoint = "chat"
	arrival := time.Now()
	m := s.model.Load()
	var req chatRequest
	if e := s.decode(w, r, &req); e != nil {
		s.fail(w, endpoint, e)
		return
	}
	if len(req.Messages) == 0 {
		s.fail(w, endpoint, badRequest("messages", "messages must hold at least one message"))
		return
	}
	msgs := make([]chat.Message, len(req.Messages))
	for i, msg := range req.Messages {
		text, err := msg.text()
		if err != nil {
			s.fail(w, endpoint, badRequest(fmt.Sprintf("messages[%d].content", i), "%v", err))
			return
		}
		if msg.Role == "" {
			s.fail(w, endpoint, badRequest(fmt.Sprintf("messages[%d].role", i), "a message needs a role"))
			return
		}
		role := msg.Role
		if role == "developer" { // OpenAI's new name for system
			role = "system"
		}
		msgs[i] = chat.Message{Role: role, Content: text}
	}
	if m.Template == nil {
		s.fail(w, endpoint, &httpError{status: http.StatusInternalServerError, typ: "server_error", code: "chat_template_error", message: fmt.Sprint(m.TemplateErr)})
		return
	}
	prompt, err := m.Template.Render(msgs, true)
	if err != nil {
		s.fail(w, endpoint, &httpError{status: http.StatusInternalServerError, typ: "server_error", code: "chat_template_error", message: err.Error()})
		return
	}
	j, e := s.job(m, &req.sampling, m.Tokenize(prompt))
	if e != nil {
		s.fail(w, endpoint, e)
		return
	}
	top := 0
	if req.TopLogprobs != nil {
		top = *req.TopLogprobs
		if top < 0 || top > 20 {
			s.fail(w, endpoint, badRequest("top_logprobs", "top_logprobs = %d: it must be between 0 and 20", top))
			return
		}
		if top > 0 && !req.Logprobs {
			s.fail(w, endpoint, badRequest("top_logprobs", "top_logprobs needs logprobs = true"))
			return
		}
	}
	j.Logprobs, j.TopLogprobs = req.Logprobs, top
	s.generate(w, r, endpoint, arrival, m, j, &req.sampling, "")
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	const endpoint = "completions"
	arrival := time.Now()
	m := s.model.Load()
	var req completionRequest
	if e := s.decode(w, r, &req); e != nil {
		s.fail(w, endpoint, e)
		return
	}
	if req.Suffix != nil && *req.Suffix != "" {
		s.fail(w, endpoint, badRequest("suffix", "suffix is not supported"))
		return
	}
	prompt, text, e := s.completionPrompt(m, req.Prompt)
	if e != nil {
		s.fail(w, endpoint, e)
		return
	}
	j, e := s.job(m, &req.sampling, prompt)
	if e != nil {
		s.fail(w, endpoint, e)
		return
	}
	if req.Logprobs != nil {
		if *req.Logprobs < 0 || *req.Logprobs > 5 {
			s.fail(w, endpoint, badRequest("logprobs", "logprobs = %d: it must be between 0 and 5", *req.Logprobs))
			return
		}
		j.Logprobs, j.TopLogprobs = true, *req.Logprobs
	}
	echo := ""
	if req.Echo {
		echo = text
	}
	s.generate(w, r, endpoint, arrival, m, j, &req.sampling, echo)
}

// completionPrompt parses a completion prompt: a string, a list of one
// string, or a list of token ids (used as given). It returns the ids and the
// prompt's text.
func (s *Server) completionPrompt(m *Model, raw json.RawMessage) ([]int32, string, *httpError) {
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return m.Tokenize(str), str, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		if len(strs) != 1 {
			return nil, "", badRequest("prompt", "a list of %d prompts: sovra takes one prompt per request", len(strs))
		}
		return m.Tokenize(strs[0]), strs[0], nil
	}
	var ids []int32
	if err := json.Unmarshal(raw, &ids); err == nil {
		var b strings.Builder
		for _, id := range ids {
			if id < 0 || int(id) >= m.Vocab {
				return nil, "", badRequest("prompt", "token id %d is outside the vocabulary of %d", id, m.Vocab)
			}
			b.WriteString(m.Piece(id))
		}
		return ids, b.String(), nil
	}
	if len(raw) == 0 {
		return nil, "", badRequest("prompt", "prompt is required")
	}
	return nil, "", badRequest("prompt", "prompt must be a string, a list of one string, or a list of token ids")
}

// generate runs j and answers with its completion: a chat completion unless
// the endpoint is "completions", streamed if the request asks.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, endpoint string, arrival time.Time, m *Model, j engine.Job, p *sampling, echo string) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	st, e := s.submit(ctx, m, j)
	if e != nil {
		s.fail(w, endpoint, e)
		return
	}
	isChat := endpoint == "chat"
	out := response{s: s, m: m, chat: isChat, created: time.Now().Unix(), j: j}
	if isChat {
		out.id = newID("chatcmpl-")
	} else {
		out.id = newID("cmpl-")
	}
	var last time.Time
	observe := func(toks []engine.Token) {
		for _, t := range toks {
			if last.IsZero() {
				s.m.ttft.Observe(t.At.Sub(arrival).Seconds())
			} else {
				s.m.itl.Observe(t.At.Sub(last).Seconds())
			}
			last = t.At
		}
		s.m.genTok.Add(float64(len(toks)))
	}

	if !p.Stream {
		var text strings.Builder
		text.WriteString(echo)
		var all []engine.Token
		for {
			toks, more := st.Next(context.Background()) // ends soon after ctx does
			observe(toks)
			all = append(all, toks...)
			if !more {
				break
			}
		}
		res, err := st.Result()
		if err != nil {
			s.genFailed(w, endpoint, ctx, err)
			return
		}
		for _, t := range all {
			text.WriteString(t.Text)
		}
		s.m.duration.Observe(time.Since(arrival).Seconds())
		s.m.requests.WithLabelValues(endpoint, "200").Inc()
		writeJSON(w, http.StatusOK, out.full(text.String(), all, res))
		return
	}

	flusher, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.m.requests.WithLabelValues(endpoint, "200").Inc()
	send := func(v any) bool {
		b, err := json.Marshal(v)
		if err == nil {
			_, err = fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if err != nil {
			cancel() // the client is gone: stop generating
			return false
		}
		return true
	}
	ok := true
	if isChat {
		ok = send(out.chunk("", nil, true))
	} else if echo != "" {
		ok = send(out.chunk(echo, nil, false))
	}
	if flusher != nil {
		flusher.Flush()
	}
	for ok {
		toks, more := st.Next(context.Background()) // ends soon after ctx does
		observe(toks)
		for i := range toks {
			if toks[i].Text == "" && !j.Logprobs {
				continue
			}
			if ok = send(out.chunk(toks[i].Text, toks[i:i+1], false)); !ok {
				break
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		if !more {
			break
		}
	}
	res, err := st.Result()
	if err != nil || !ok {
		if ctx.Err() == nil && err != nil {
			// Not the client's doing (the server is shutting down):
			// tell it in the stream, as the status is already sent.
			send(apiError{Error: errorBody{Message: "generation stopped: " + err.Error(), Type: "server_error"}})
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
		return
	}
	send(out.final(res))
	if p.StreamOptions != nil && p.StreamOptions.IncludeUsage {
		send(out.usageChunk(res))
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
	s.m.duration.Observe(time.Since(arrival).Seconds())
}

// genFailed answers a generation that ended with err before its response.
func (s *Server) genFailed(w http.ResponseWriter, endpoint string, ctx context.Context, err error) {
	if ctx.Err() != nil {
		// The client is gone; nobody reads the answer.
		s.m.requests.WithLabelValues(endpoint, "499").Inc()
		return
	}
	if errors.Is(err, engine.ErrClosed) {
		s.fail(w, endpoint, &httpError{status: http.StatusServiceUnavailable, typ: "server_error", code: "shutting_down", message: "the server shut down before the completion ended"})
		return
	}
	s.fail(w, endpoint, &httpError{status: http.StatusInternalServerError, typ: "server_error", message: "generation failed: " + err.Error()})
}

// response builds the bodies of one request's answer.
type response struct {
	s       *Server
	m       *Model
	chat    bool
	id      string
	created int64
	j       engine.Job
}

func (o *response) usage(res *engine.Result) *usage {
	return &usage{PromptTokens: len(res.PromptTokens), CompletionTokens: len(res.Tokens), TotalTokens: len(res.PromptTokens) + len(res.Tokens)}
}

func (o *response) full(text string, toks []engine.Token, res *engine.Result) any {
	finish := res.Finish
	if o.chat {
		c := chatChoice{Message: &chatOut{Role: "assistant", Content: &text}, FinishReason: &finish, Logprobs: o.chatLogprobs(toks)}
		return chatCompletion{ID: o.id, Object: "chat.completion", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
			Choices: []chatChoice{c}, Usage: o.usage(res)}
	}
	c := textChoice{Text: text, FinishReason: &finish, Logprobs: o.textLogprobs(toks)}
	return textCompletion{ID: o.id, Object: "text_completion", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
		Choices: []textChoice{c}, Usage: o.usage(res)}
}

// chunk is one streamed piece; first is the chat chunk that opens the
// assistant's turn.
func (o *response) chunk(text string, toks []engine.Token, first bool) any {
	if o.chat {
		d := &chatOut{Content: &text}
		if first {
			d.Role = "assistant"
		}
		return chatCompletion{ID: o.id, Object: "chat.completion.chunk", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
			Choices: []chatChoice{{Delta: d, Logprobs: o.chatLogprobs(toks)}}}
	}
	return textCompletion{ID: o.id, Object: "text_completion", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
		Choices: []textChoice{{Text: text, Logprobs: o.textLogprobs(toks)}}}
}

// final is the last chunk, with the finish reason.
func (o *response) final(res *engine.Result) any {
	finish := res.Finish
	if o.chat {
		return chatCompletion{ID: o.id, Object: "chat.completion.chunk", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
			Choices: []chatChoice{{Delta: &chatOut{}, FinishReason: &finish}}}
	}
	return textCompletion{ID: o.id, Object: "text_completion", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
		Choices: []textChoice{{FinishReason: &finish}}}
}

// usageChunk is the chunk stream_options.include_usage asks for: no choices.
func (o *response) usageChunk(res *engine.Result) any {
	if o.chat {
		return chatCompletion{ID: o.id, Object: "chat.completion.chunk", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
			Choices: []chatChoice{}, Usage: o.usage(res)}
	}
	return textCompletion{ID: o.id, Object: "text_completion", Created: o.created, Model: o.m.Name, SystemFingerprint: fingerprint,
		Choices: []textChoice{}, Usage: o.usage(res)}
}

func (o *response) tokenLogprob(id int32, lp float32) tokenLogprob {
	piece := o.m.Piece(id)
	b := make([]int, len(piece))
	for i := range len(piece) {
		b[i] = int(piece[i])
	}
	return tokenLogprob{Token: piece, Logprob: lp, Bytes: b}
}

func (o *response) chatLogprobs(toks []engine.Token) *chatLogprobs {
	if !o.j.Logprobs || len(toks) == 0 {
		return nil
	}
	out := &chatLogprobs{Content: []tokenLogprob{}}
	for _, t := range toks {
		tl := o.tokenLogprob(t.ID, t.Logprob)
		tl.TopLogprobs = []tokenLogprob{}
		for _, alt := range t.Top {
			tl.TopLogprobs = append(tl.TopLogprobs, o.tokenLogprob(alt.ID, alt.Logprob))
		}
		out.Content = append(out.Content, tl)
	}
	return out
}

func (o *response) textLogprobs(toks []engine.Token) *textLogprobs {
	if !o.j.Logprobs || len(toks) == 0 {
		return nil
	}
	out := &textLogprobs{}
	off := 0
	for _, t := range toks {
		piece := o.m.Piece(t.ID)
		out.Tokens = append(out.Tokens, piece)
		out.TokenLogprobs = append(out.TokenLogprobs, t.Logprob)
		top := map[string]float32{}
		for _, alt := range t.Top {
			top[o.m.Piece(alt.ID)] = alt.Logprob
		}
		out.TopLogprobs = append(out.TopLogprobs, top)
		out.TextOffset = append(out.TextOffset, off)
		off += len(piece)
	}
	return out
}

// fingerprint identifies the serving configuration in responses.
const fingerprint = "sovra"
