// Package server is sovra's OpenAI-compatible HTTP API: POST
// /v1/chat/completions and /v1/completions (streamed as server-sent events
// or not), GET /v1/models, GET /health and GET /metrics (Prometheus).
//
// Requests become jobs of a [Scheduler] (in practice an
// *engine.Scheduler, which batches the running sequences together); the
// server renders chat messages with the model's chat template, turns request
// fields into sampling parameters, and streams the tokens back. Errors have
// OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sovra/models/chat"
	"sovra/runtime/engine"
	"sovra/runtime/sample"
)

// Scheduler runs jobs; *engine.Scheduler is the one sovra uses.
type Scheduler interface {
	Submit(ctx context.Context, j engine.Job) (*engine.Stream, error)
	Stats() engine.Stats
	// SeqContext is the context of one request: prompt plus completion.
	SeqContext() int
}

// Model is what the server serves once it is loaded.
type Model struct {
	Name      string
	Scheduler Scheduler
	Template  *chat.Template
	// TemplateErr, when Template is nil, is why: chat requests then fail
	// with it (a 500), completions still work.
	TemplateErr error
	// Tokenize encodes a prompt: BOS when the model wants one, special
	// tokens recognised.
	Tokenize func(text string) []int32
	// Piece returns the text of one token, for logprobs.
	Piece func(id int32) string
	Vocab int
}

// Options configure New.
type Options struct {
	// APIKey, when set, is required as "Authorization: Bearer KEY" on the
	// /v1 endpoints (/health and /metrics stay open).
	APIKey string
	// MaxBody is the largest request body in bytes (0: 4 MiB).
	MaxBody int64
	Logger  *slog.Logger
}

// Server is the HTTP API. It answers /health with 503 until SetModel.
type Server struct {
	o       Options
	model   atomic.Pointer[Model]
	mux     *http.ServeMux
	reg     *prometheus.Registry
	created int64
	m       metrics
}

type metrics struct {
	requests  *prometheus.CounterVec
	promptTok prometheus.Counter
	genTok    prometheus.Counter
	ttft      prometheus.Histogram
	itl       prometheus.Histogram
	duration  prometheus.Histogram
}

// New returns a server with no model yet.
func New(o Options) *Server {
	if o.MaxBody <= 0 {
		o.MaxBody = 4 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, mux: http.NewServeMux(), reg: prometheus.NewRegistry(), created: time.Now().Unix()}
	s.initMetrics()
	s.mux.HandleFunc("POST /v1/chat/completions", s.auth(s.chatCompletions))
	s.mux.HandleFunc("POST /v1/completions", s.auth(s.completions))
	s.mux.HandleFunc("GET /v1/models", s.auth(s.models))
	s.mux.HandleFunc("GET /v1/models/{id...}", s.auth(s.modelByID))
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "unknown_url", fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	})
	return s
}

// SetModel makes the server ready to answer with m.
func (s *Server) SetModel(m *Model) { s.model.Store(m) }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) initMetrics() {
	s.m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sovra_requests_total", Help: "HTTP requests to the completion endpoints, by endpoint and status code.",
	}, []string{"endpoint", "code"})
	s.m.promptTok = prometheus.NewCounter(prometheus.CounterOpts{Name: "sovra_prompt_tokens_total", Help: "Prompt tokens of accepted requests."})
	s.m.genTok = prometheus.NewCounter(prometheus.CounterOpts{Name: "sovra_generated_tokens_total", Help: "Tokens generated."})
	latency := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	s.m.ttft = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sovra_time_to_first_token_seconds", Help: "From the request's arrival to its first generated token.", Buckets: latency})
	s.m.itl = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sovra_inter_token_latency_seconds", Help: "Between consecutive generated tokens of a request.", Buckets: latency})
	s.m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sovra_request_duration_seconds", Help: "From a completion request's arrival to its last token.", Buckets: prometheus.ExponentialBuckets(.01, 2, 14)})
	stat := func(f func(engine.Stats) float64) func() float64 {
		return func() float64 {
			m := s.model.Load()
			if m == nil {
				return 0
			}
			return f(m.Scheduler.Stats())
		}
	}
	s.reg.MustRegister(s.m.requests, s.m.promptTok, s.m.genTok, s.m.ttft, s.m.itl, s.m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sovra_queue_depth", Help: "Requests waiting for a free sequence."},
			stat(func(st engine.Stats) float64 { return float64(st.Queued) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sovra_active_sequences", Help: "Sequences being prefilled or decoded."},
			stat(func(st engine.Stats) float64 { return float64(st.Active) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sovra_parallel_sequences", Help: "Sequences decoded together at most."},
			stat(func(st engine.Stats) float64 { return float64(st.Parallel) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sovra_kv_cache_used_slots", Help: "KV-cache slots holding a token."},
			stat(func(st engine.Stats) float64 { return float64(st.KVUsed) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sovra_kv_cache_usage_ratio", Help: "Fraction of the KV-cache slots in use."},
			stat(func(st engine.Stats) float64 {
				if st.KVSize == 0 {
					return 0
				}
				return float64(st.KVUsed) / float64(st.KVSize)
			})),
	)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if s.model.Load() == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "loading model"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// auth checks the API key, then that the model is loaded.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.APIKey != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.o.APIKey)) != 1 {
				msg := "missing API key: send it as \"Authorization: Bearer KEY\""
				if ok {
					msg = "incorrect API key"
				}
				writeError(w, http.StatusUnauthorized, "authentication_error", "", "invalid_api_key", msg)
				return
			}
		}
		if s.model.Load() == nil {
			writeError(w, http.StatusServiceUnavailable, "server_error", "", "model_loading", "the model is still loading")
			return
		}
		h(w, r)
	}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	m := s.model.Load()
	writeJSON(w, http.StatusOK, modelList{Object: "list", Data: []modelObject{s.modelObject(m)}})
}

func (s *Server) modelByID(w http.ResponseWriter, r *http.Request) {
	m := s.model.Load()
	if id := r.PathValue("id"); id != m.Name {
		writeError(w, http.StatusNotFound, "invalid_request_error", "model", "model_not_found", fmt.Sprintf("the model %q does not exist; this server serves %q", id, m.Name))
		return
	}
	writeJSON(w, http.StatusOK, s.modelObject(m))
}

func (s *Server) modelObject(m *Model) modelObject {
	return modelObject{ID: m.Name, Object: "model", Created: s.created, OwnedBy: "sovra"}
}

// httpError is an error with its response.
type httpError struct {
	status           int
	typ, param, code string
	message          string
}

func (e *httpError) Error() string { return e.message }

func badRequest(param, format string, args ...any) *httpError {
	return &httpError{status: http.StatusBadRequest, typ: "invalid_request_error", param: param, message: fmt.Sprintf(format, args...)}
}

// decode reads the JSON body into v, within the size limit.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) *httpError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpError{status: http.StatusRequestEntityTooLarge, typ: "invalid_request_error", code: "request_too_large",
				message: fmt.Sprintf("the request body is larger than the limit of %d bytes", tooBig.Limit)}
		}
		return badRequest("", "reading the request body: %v", err)
	}
	if !utf8.Valid(body) {
		return badRequest("", "the request body is not valid UTF-8")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return badRequest(typeErr.Field, "invalid type for %q: %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
		}
		return badRequest("", "the request body is not valid JSON: %v", err)
	}
	return nil
}

// job turns the shared request fields into a job for prompt; it checks the
// model, the limits and the sampling parameters.
func (s *Server) job(m *Model, p *sampling, prompt []int32) (engine.Job, *httpError) {
	var j engine.Job
	if p.Model != "" && p.Model != m.Name {
		return j, &httpError{status: http.StatusNotFound, typ: "invalid_request_error", param: "model", code: "model_not_found",
			message: fmt.Sprintf("the model %q does not exist; this server serves %q", p.Model, m.Name)}
	}
	if p.N != nil && *p.N != 1 {
		return j, badRequest("n", "n = %d is not supported: sovra returns one choice per request (n = 1)", *p.N)
	}
	max := p.MaxCompletionTokens
	param := "max_completion_tokens"
	if max == nil {
		max, param = p.MaxTokens, "max_tokens"
	}
	if max != nil && *max < 1 {
		return j, badRequest(param, "%s = %d: it must be at least 1", param, *max)
	}
	if len(prompt) > m.Scheduler.SeqContext() {
		return j, &httpError{status: http.StatusBadRequest, typ: "invalid_request_error", param: "messages", code: "context_length_exceeded",
			message: fmt.Sprintf("this model's maximum context length is %d tokens, but the prompt has %d tokens", m.Scheduler.SeqContext(), len(prompt))}
	}
	if len(prompt) == 0 {
		return j, badRequest("prompt", "the prompt is empty")
	}
	sp := sample.DefaultParams()
	set := func(dst *float32, v *float32) {
		if v != nil {
			*dst = *v
		}
	}
	set(&sp.Temperature, p.Temperature)
	set(&sp.TopP, p.TopP)
	set(&sp.MinP, p.MinP)
	set(&sp.RepeatPenalty, p.RepeatPenalty)
	set(&sp.PresencePenalty, p.PresencePenalty)
	set(&sp.FrequencyPenalty, p.FrequencyPenalty)
	if p.TopK != nil {
		sp.TopK = *p.TopK
	}
	if p.Temperature != nil && *p.Temperature < 0 {
		return j, badRequest("temperature", "temperature %v must not be negative", *p.Temperature)
	}
	if p.Seed != nil {
		sp.Seed = uint64(*p.Seed)
	} else {
		var b [8]byte
		rand.Read(b[:])
		for _, c := range b {
			sp.Seed = sp.Seed<<8 | uint64(c)
		}
	}
	st, err := stops(p.Stop)
	if err != nil {
		return j, badRequest("stop", "%v", err)
	}
	j = engine.Job{Request: engine.Request{Prompt: prompt, Sample: sp, IgnoreEOS: p.IgnoreEOS}, Stop: st}
	if max != nil {
		j.MaxTokens = *max
	}
	return j, nil
}

// submit hands j to the scheduler, mapping its refusals to responses.
func (s *Server) submit(ctx context.Context, m *Model, j engine.Job) (*engine.Stream, *httpError) {
	st, err := m.Scheduler.Submit(ctx, j)
	switch {
	case err == nil:
		s.m.promptTok.Add(float64(len(j.Prompt)))
		return st, nil
	case errors.Is(err, engine.ErrQueueFull):
		return nil, &httpError{status: http.StatusTooManyRequests, typ: "rate_limit_error", code: "queue_full",
			message: "the server is busy: its request queue is full; retry later"}
	case errors.Is(err, sample.ErrInvalidParams):
		return nil, badRequest("", "%v", err)
	case errors.Is(err, engine.ErrContext):
		return nil, &httpError{status: http.StatusBadRequest, typ: "invalid_request_error", code: "context_length_exceeded", message: err.Error()}
	case errors.Is(err, engine.ErrClosed):
		return nil, &httpError{status: http.StatusServiceUnavailable, typ: "server_error", code: "shutting_down", message: "the server is shutting down"}
	default:
		return nil, &httpError{status: http.StatusBadRequest, typ: "invalid_request_error", message: err.Error()}
	}
}

// newID returns a random response id with prefix.
func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, param, code, message string) {
	body := apiError{Error: errorBody{Message: message, Type: typ}}
	if param != "" {
		body.Error.Param = &param
	}
	if code != "" {
		body.Error.Code = &code
	}
	writeJSON(w, status, body)
}

func (s *Server) fail(w http.ResponseWriter, endpoint string, e *httpError) {
	s.m.requests.WithLabelValues(endpoint, fmt.Sprint(e.status)).Inc()
	writeError(w, e.status, e.typ, e.param, e.code, e.message)
}

// EngineModel describes a model loaded by e and run by sched for SetModel:
// its chat template (or the fallback), its prompt tokenization and pieces.
// A template that does not parse is kept as Model.TemplateErr.
func EngineModel(name string, e *engine.Engine, sched *engine.Scheduler) *Model {
	tmpl, err := e.ChatTemplate()
	return &Model{
		Name:        name,
		Scheduler:   sched,
		Template:    tmpl,
		TemplateErr: err,
		Tokenize:    e.TokenizePrompt,
		Piece:       func(id int32) string { return string(e.Tokenizer.Piece(id)) },
		Vocab:       e.Model.Config().Vocab,
	}
}
