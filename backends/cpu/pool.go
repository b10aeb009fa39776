package cpu

import (
	"runtime"
	"sync/atomic"
	"time"
)

// task is work split into parts: runPart(i, n) does part i of n.
type task interface {
	runPart(part, parts int)
}

// pool runs the parts of a task on a fixed set of goroutines, one of them the
// caller's. A forward pass hands the pool a few hundred tasks in quick
// succession, each taking tens of microseconds when decoding, so waking a
// sleeping goroutine for each (tens of microseconds through the scheduler
// and the kernel) would cost a good share of a token: with two threads, a
// pool that slept between tasks decoded slower than one thread alone.
// Instead a goroutine that runs out of work watches for the next task for a
// while (spinTime) and only then sleeps on its channel: within a forward
// pass it never sleeps, and between requests the pool sleeps and costs
// nothing.
type pool struct {
	workers []worker
	task    task
	gen     atomic.Uint64 // run count: a new value means a new task
	pending atomic.Int32  // workers still running the current task
	waiting atomic.Bool   // the caller sleeps on done
	done    chan struct{}
	closed  atomic.Bool
}

// worker is the state of one of the pool's goroutines.
type worker struct {
	sleeping atomic.Bool
	wake     chan struct{}
}

// spinTime is how long a goroutine polls for its next event before it
// sleeps: longer than any gap between two tasks of a forward pass (the
// single-threaded ops between matrix products, sampling between tokens).
var spinTime = time.Millisecond

// newPool starts threads-1 workers (threads <= 0: one per physical core).
func newPool(threads int) *pool {
	if threads <= 0 {
		threads = physicalCores()
	}
	p := &pool{workers: make([]worker, threads-1), done: make(chan struct{}, 1)}
	for i := range p.workers {
		p.workers[i].wake = make(chan struct{}, 1)
		go p.work(i + 1)
	}
	return p
}

// threads is the number of parts every task is split into.
func (p *pool) threads() int { return len(p.workers) + 1 }

// run does every part of t and returns when all are done.
func (p *pool) run(t task) {
	if len(p.workers) == 0 {
		t.runPart(0, 1)
		return
	}
	p.task = t
	p.pending.Store(int32(len(p.workers)))
	p.gen.Add(1)
	for i := range p.workers {
		if w := &p.workers[i]; w.sleeping.Load() {
			signal(w.wake)
		}
	}
	t.runPart(0, p.threads())
	p.await(func() bool { return p.pending.Load() == 0 }, &p.waiting, p.done)
}

// work is the loop of worker part: run each new task's part, then report.
func (p *pool) work(part int) {
	w := &p.workers[part-1]
	var seen uint64 // the pool starts at run count 0
	for {
		p.await(func() bool { return p.gen.Load() != seen }, &w.sleeping, w.wake)
		if p.closed.Load() {
			return
		}
		seen = p.gen.Load()
		p.task.runPart(part, p.threads())
		if p.pending.Add(-1) == 0 && p.waiting.Load() {
			signal(p.done)
		}
	}
}

// await returns once ready() holds: it polls ready for spinTime, then sets
// sleeping and sleeps on wake until ready. Whoever makes ready true
// signals wake if it sees sleeping; a signal that arrives after the sleeper
// found ready true on its own stays in the channel and at worst wakes the
// next await early, which then checks ready again.
func (p *pool) await(ready func() bool, sleeping *atomic.Bool, wake chan struct{}) {
	start := time.Now()
	for i := 0; ; i++ {
		if ready() {
			return
		}
		if i%256 == 255 {
			if time.Since(start) > spinTime {
				break
			}
			runtime.Gosched() // let other goroutines of the process run, if any wait
		}
	}
	sleeping.Store(true)
	for !ready() {
		<-wake
	}
	sleeping.Store(false)
}

// signal leaves a wake-up in ch (of capacity 1) unless one is there.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// close stops the workers.
func (p *pool) close() {
	p.closed.Store(true)
	p.gen.Add(1)
	for i := range p.workers {
		signal(p.workers[i].wake)
	}
}

// span returns the part-th of parts contiguous ranges splitting [0, n).
func span(n, part, parts int) (lo, hi int) {
	return n * part / parts, n * (part + 1) / parts
}
