package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"sovra/runtime/engine"
)

// FuzzRequests sends arbitrary bodies to both completion endpoints of a
// server of the seed model (a small context, so that any generation is
// short) and checks that the server answers every one: no panic, a status
// of the OpenAI API, and, for an error, OpenAI's error object with a
// message.
func FuzzRequests(f *testing.F) {
	for _, body := range []string{
		`{"model": "seed", "prompt": "Once upon a time", "max_tokens": 4}`,
		`{"model": "seed", "prompt": [1, 2, 3], "max_tokens": 2, "stream": true, "stream_options": {"include_usage": true}}`,
		`{"model": "seed", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "stop": ["a", "b"]}`,
		`{"model": "seed", "messages": [{"role": "user", "content": "hi"}], "logprobs": true, "top_logprobs": 3, "max_tokens": 2}`,
		`{"model": "seed", "prompt": "x", "temperature": -1}`,
		`{"model": "seed", "prompt": "x", "n": 2}`,
		`{"model": "other", "prompt": "x"}`,
		`{"prompt": "x", "max_tokens": -5}`,
		`{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}`,
		`[[[[[[`,
		"{\"prompt\": \"\xff\xfe\"}",
		``,
	} {
		f.Add(false, []byte(body))
		f.Add(true, []byte(body))
	}
	fx := start(f, engine.SchedulerOptions{Parallel: 2}, 256, "", nil)
	f.Fuzz(func(t *testing.T, chat bool, body []byte) {
		path := "/v1/completions"
		if chat {
			path = "/v1/chat/completions"
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		rec := httptest.NewRecorder()
		fx.srv.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			return
		case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusInternalServerError:
		default:
			t.Fatalf("%s %q: status %d", path, body, rec.Code)
		}
		var e struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
			t.Fatalf("%s %q: status %d with body %q, not an OpenAI error (%v)", path, body, rec.Code, rec.Body.String(), err)
		}
	})
}
