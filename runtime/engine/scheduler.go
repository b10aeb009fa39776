package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"sovra/models/tokenizer"
	"sovra/runtime/sample"
)

// ErrQueueFull is returned by Submit when the queue of waiting requests is
// full.
var ErrQueueFull = errors.New("engine: request queue full")

// ErrClosed is returned for requests submitted to, or still running in, a
// closed Scheduler.
var ErrClosed = errors.New("engine: scheduler closed")

// SchedulerOptions configure NewScheduler.
type SchedulerOptions struct {
	// Parallel is the number of sequences decoded together; the KV cache
	// is split into that many equal regions, one per sequence (0: 4).
	Parallel int
	// Queue is the number of requests that may wait for a free sequence;
	// beyond it Submit returns ErrQueueFull (0: 64).
	Queue int
	// Chunk is the most tokens one step feeds (0: the engine's batch).
	// Prompts longer than what is left after the decoding sequences' one
	// token each are prefilled over several steps, so that a long prompt
	// does not stall the others.
	Chunk int
}

// Job is one request to a Scheduler.
type Job struct {
	Request
	// Stop lists strings that end generation when they appear in the text,
	// even across token boundaries; the stop string and anything after it
	// are not returned.
	Stop []string
	// Logprobs asks for the log-probability of each generated token, and
	// TopLogprobs (0..20) for that many most likely alternatives: the
	// model's distribution (log-softmax of the logits), before penalties,
	// truncation and temperature.
	Logprobs    bool
	TopLogprobs int
}

// TopLogprob is one of the most likely tokens at a step.
type TopLogprob struct {
	ID      int32
	Logprob float32
}

// Token is one generated token and the text it releases: possibly "" while
// a UTF-8 character is incomplete or the text may begin a stop string, and
// possibly text held back from earlier tokens (the last token of a job
// carries everything still held back).
type Token struct {
	ID      int32
	Text    string
	Logprob float32      // when Job.Logprobs
	Top     []TopLogprob // when Job.TopLogprobs > 0, most likely first
	At      time.Time    // when the token was sampled
}

// Stream follows a submitted job: its tokens as they come and its result.
type Stream struct {
	ctx   context.Context
	ready chan struct{} // signalled when tokens arrive or the job ends

	mu   sync.Mutex
	toks []Token
	done bool
	res  *Result
	err  error
}

func (st *Stream) push(t Token) {
	st.mu.Lock()
	st.toks = append(st.toks, t)
	st.mu.Unlock()
	st.signal()
}

func (st *Stream) finish(res *Result, err error) {
	st.mu.Lock()
	st.done, st.res, st.err = true, res, err
	st.mu.Unlock()
	st.signal()
}

func (st *Stream) signal() {
	select {
	case st.ready <- struct{}{}:
	default:
	}
}

// Next waits for tokens and returns those that arrived since the last call.
// It returns more == false, with the last tokens if any, once the job has
// ended; Result then tells how. It returns early with no tokens if ctx ends.
func (st *Stream) Next(ctx context.Context) (toks []Token, more bool) {
	for {
		st.mu.Lock()
		toks, done := st.toks, st.done
		st.toks = nil
		st.mu.Unlock()
		if len(toks) > 0 || done {
			if done {
				// Tokens pushed before finish are all in toks.
				return toks, false
			}
			return toks, true
		}
		select {
		case <-st.ready:
		case <-ctx.Done():
			return nil, true
		}
	}
}

// Result waits for the end of the job and returns what it produced. With an
// error (the job's context ended, or the scheduler closed or failed), the
// result holds what was generated before it.
func (st *Stream) Result() (*Result, error) {
	for {
		st.mu.Lock()
		done, res, err := st.done, st.res, st.err
		st.mu.Unlock()
		if done {
			return res, err
		}
		<-st.ready
	}
}

// Stats are a snapshot of a Scheduler's load.
type Stats struct {
	Queued   int // jobs waiting for a sequence
	Active   int // sequences being prefilled or decoded
	Parallel int
	KVUsed   int // KV-cache slots holding a token
	KVSize   int // KV-cache slots
}

// Scheduler serves jobs with continuous batching: one goroutine owns the
// engine; every step feeds one token of each decoding sequence and, with
// what is left of the chunk, prompt tokens of new sequences, in one forward
// pass. A finished or cancelled sequence frees its KV-cache slots at once,
// and a waiting job takes its place at the next step.
//
// While a Scheduler runs, the engine's own Generate, Eval and Logits must not
// be called.
type Scheduler struct {
	e        *Engine
	bt       *Batcher
	parallel int
	chunk    int
	vocab    int
	seqCtx   int

	queue chan *job
	quit  chan struct{}
	done  chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex // guards closed against Submit
	closed    bool

	active atomic.Int32
	kvUsed atomic.Int32
}

// job is a submitted Job with its stream.
type job struct {
	Job
	smp    *sample.Sampler
	stream *Stream
}

// NewScheduler partitions e's KV cache and starts the goroutine that owns e.
func NewScheduler(e *Engine, o SchedulerOptions) (*Scheduler, error) {
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Chunk <= 0 {
		o.Chunk = e.batch
	}
	if o.Chunk < o.Parallel {
		o.Chunk = o.Parallel
	}
	if err := e.Cache.Partition(o.Parallel); err != nil {
		return nil, fmt.Errorf("engine: %d parallel sequences: %w", o.Parallel, err)
	}
	s := &Scheduler{
		e:        e,
		bt:       e.NewBatcher(),
		parallel: o.Parallel,
		chunk:    o.Chunk,
		vocab:    e.Model.Config().Vocab,
		seqCtx:   e.Cache.SeqSize(),
		queue:    make(chan *job, o.Queue),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.run()
	return s, nil
}

// Engine returns the engine the scheduler owns (for its tokenizer and
// configuration, which are safe to read concurrently).
func (s *Scheduler) Engine() *Engine { return s.e }

// SeqContext is the context of one sequence: prompt plus generated tokens.
func (s *Scheduler) SeqContext() int { return s.seqCtx }

// Stats returns a snapshot of the load.
func (s *Scheduler) Stats() Stats {
	return Stats{
		Queued:   len(s.queue),
		Active:   int(s.active.Load()),
		Parallel: s.parallel,
		KVUsed:   int(s.kvUsed.Load()),
		KVSize:   s.e.Cache.Size(),
	}
}

// Submit queues j and returns its stream at once. It fails with an error
// wrapping ErrContext when the prompt does not fit a sequence's context,
// sample.ErrInvalidParams for bad sampling parameters, ErrQueueFull when the
// queue is full and ErrClosed after Close. When ctx ends the job stops and
// frees its sequence.
func (s *Scheduler) Submit(ctx context.Context, j Job) (*Stream, error) {
	if n := len(j.Prompt); n == 0 {
		return nil, errors.New("engine: empty prompt")
	} else if n > s.seqCtx {
		return nil, fmt.Errorf("engine: %w: %d prompt tokens, context of %d", ErrContext, n, s.seqCtx)
	}
	for _, id := range j.Prompt {
		if id < 0 || int(id) >= s.vocab {
			return nil, fmt.Errorf("engine: token id %d outside the vocabulary of %d", id, s.vocab)
		}
	}
	if j.TopLogprobs < 0 || j.TopLogprobs > 20 {
		return nil, fmt.Errorf("engine: top_logprobs %d: %w (want 0..20)", j.TopLogprobs, sample.ErrInvalidParams)
	}
	smp, err := sample.New(j.Sample, s.vocab)
	if err != nil {
		return nil, err
	}
	jb := &job{Job: j, smp: smp, stream: &Stream{ctx: ctx, ready: make(chan struct{}, 1)}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	select {
	case s.queue <- jb:
		return jb.stream, nil
	default:
		return nil, ErrQueueFull
	}
}

// Close stops the scheduler: jobs still waiting or running end with
// ErrClosed (with what they generated so far). It waits for the goroutine
// and leaves the cache in one region again.
func (s *Scheduler) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.quit)
		<-s.done
		s.e.Cache.Partition(1)
	})
}

// seq is a running job.
type seq struct {
	*job
	id       int32
	fed      int // prompt tokens in the cache
	pos      int // tokens in the cache
	next     int32
	decoding bool
	finished bool
	res      *Result
	dec      *tokenizer.Decoder
	stop     stopper
	started  time.Time
	genStart time.Time
	one      [1]int32
}

func (s *Scheduler) run() {
	defer close(s.done)
	slots := make([]*seq, s.parallel)
	var order []*seq // running sequences, oldest first
	var steps []Seq
	var stepSeqs []*seq
	for {
		// Admit waiting jobs while a sequence is free; block when idle.
		for len(order) < s.parallel {
			var jb *job
			if len(order) == 0 {
				select {
				case jb = <-s.queue:
				case <-s.quit:
					s.drain(order)
					return
				}
			} else {
				select {
				case jb = <-s.queue:
				case <-s.quit:
					s.drain(order)
					return
				default:
				}
			}
			if jb == nil {
				break
			}
			if err := jb.stream.ctx.Err(); err != nil {
				jb.stream.finish(&Result{PromptTokens: jb.Prompt}, err)
				continue
			}
			id := int32(0)
			for slots[id] != nil {
				id++
			}
			sq := &seq{job: jb, id: id, dec: s.e.Tokenizer.NewContinuationDecoder(), started: time.Now()}
			sq.stop.stops = jb.Stop
			sq.res = &Result{PromptTokens: jb.Prompt, Finish: "length"}
			for _, t := range jb.Prompt {
				sq.smp.Accept(t)
			}
			slots[id] = sq
			order = append(order, sq)
		}
		select {
		case <-s.quit:
			s.drain(order)
			return
		default:
		}

		// Drop cancelled sequences.
		kept := order[:0]
		for _, sq := range order {
			if err := sq.stream.ctx.Err(); err != nil {
				s.release(slots, sq, err)
				continue
			}
			kept = append(kept, sq)
		}
		order = kept
		if len(order) == 0 {
			s.publish(order)
			continue
		}

		// One token per decoding sequence, then prompt chunks.
		steps, stepSeqs = steps[:0], stepSeqs[:0]
		budget := s.chunk
		for _, sq := range order {
			if sq.decoding {
				sq.one[0] = sq.next
				steps = append(steps, Seq{ID: sq.id, Pos: sq.pos, Tokens: sq.one[:], Logits: true})
				stepSeqs = append(stepSeqs, sq)
				budget--
			}
		}
		for _, sq := range order {
			if sq.decoding || budget <= 0 {
				continue
			}
			n := min(len(sq.Prompt)-sq.fed, budget)
			last := sq.fed+n == len(sq.Prompt)
			steps = append(steps, Seq{ID: sq.id, Pos: sq.pos, Tokens: sq.Prompt[sq.fed : sq.fed+n], Logits: last})
			stepSeqs = append(stepSeqs, sq)
			budget -= n
		}
		rows, err := s.bt.Step(steps)
		if err != nil {
			for _, sq := range order {
				s.release(slots, sq, err)
			}
			order = order[:0]
			s.publish(order)
			continue
		}
		kept = order[:0]
		for i, sq := range stepSeqs {
			sq.pos += len(steps[i].Tokens)
			if !sq.decoding {
				sq.fed += len(steps[i].Tokens)
			}
			if rows[i] == nil {
				continue
			}
			if !sq.decoding {
				sq.decoding = true
				sq.res.PromptTime = time.Since(sq.started)
				sq.genStart = time.Now()
			} else {
				sq.res.Decoded++
			}
			sq.finished = s.sampleNext(sq, rows[i])
		}
		for _, sq := range order {
			if sq.finished {
				sq.res.GenTime = time.Since(sq.genStart)
				s.release(slots, sq, nil)
				continue
			}
			kept = append(kept, sq)
		}
		order = kept
		s.publish(order)
	}
}

// sampleNext samples sq's next token from logits, streams it and reports
// whether the sequence is finished.
func (s *Scheduler) sampleNext(sq *seq, logits []float32) bool {
	id := sq.smp.Sample(logits)
	sq.smp.Accept(id)
	sq.res.Tokens = append(sq.res.Tokens, id)
	tok := Token{ID: id, At: time.Now()}
	if sq.Logprobs || sq.TopLogprobs > 0 {
		tok.Logprob, tok.Top = logprobsOf(logits, id, sq.TopLogprobs)
	}
	eog := s.e.Tokenizer.IsEOG(id) && !sq.IgnoreEOS
	stopped := false
	if !eog {
		tok.Text, stopped = sq.stop.add(sq.dec.Add(id))
	}
	done := false
	switch {
	case eog || stopped:
		sq.res.Finish = "stop"
		done = true
	case sq.MaxTokens > 0 && len(sq.res.Tokens) >= sq.MaxTokens, sq.pos >= s.seqCtx:
		done = true
	}
	if done && !stopped {
		tok.Text += sq.stop.end(sq.dec.Flush())
	}
	sq.stream.push(tok)
	sq.next = id
	return done
}

// end feeds the decoder's last bytes and releases everything held back.
func (s *stopper) end(text string) string {
	out, stopped := s.add(text)
	if stopped {
		return out
	}
	return out + s.flush()
}

// release ends sq's job and frees its sequence.
func (s *Scheduler) release(slots []*seq, sq *seq, err error) {
	s.e.Cache.Remove(sq.id, 0, -1)
	slots[sq.id] = nil
	sq.stream.finish(sq.res, err)
}

// drain ends every running and waiting job with ErrClosed.
func (s *Scheduler) drain(order []*seq) {
	for _, sq := range order {
		s.e.Cache.Remove(sq.id, 0, -1)
		sq.stream.finish(sq.res, ErrClosed)
	}
	for {
		select {
		case jb := <-s.queue:
			jb.stream.finish(&Result{PromptTokens: jb.Prompt}, ErrClosed)
		default:
			s.publish(nil)
			return
		}
	}
}

// publish updates the counters Stats reads.
func (s *Scheduler) publish(order []*seq) {
	s.active.Store(int32(len(order)))
	s.kvUsed.Store(int32(s.e.Cache.Used()))
}

// logprobsOf returns the log-softmax of logits at id, and the top most
// likely tokens with theirs.
func logprobsOf(logits []float32, id int32, top int) (float32, []TopLogprob) {
	mx := float32(math.Inf(-1))
	for _, v := range logits {
		if v > mx {
			mx = v
		}
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v - mx))
	}
	lse := float64(mx) + math.Log(sum)
	lp := func(i int32) float32 { return float32(float64(logits[i]) - lse) }
	var best []TopLogprob
	if top > 0 {
		best = make([]TopLogprob, 0, top+1)
		for i, v := range logits {
			if len(best) == top && v <= logits[best[top-1].ID] {
				continue
			}
			k := len(best)
			if k < top {
				best = append(best, TopLogprob{})
			} else {
				k = top - 1
			}
			for k > 0 && logits[best[k-1].ID] < v {
				best[k] = best[k-1]
				k--
			}
			best[k] = TopLogprob{ID: int32(i)}
		}
		for i := range best {
			best[i].Logprob = lp(best[i].ID)
		}
	}
	return lp(id), best
}
