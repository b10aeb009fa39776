package cpu

import "sync"

// task is work split into parts: runPart(i, n) does part i of n.
type task interface {
	runPart(part, parts int)
}

// pool runs the parts of a task on a fixed set of goroutines, one of them the
// caller's. Workers sleep on their channel between tasks, so an idle pool
// costs nothing and never spins.
type pool struct {
	workers []chan task
	wg      sync.WaitGroup
}

// newPool starts threads-1 workers (threads <= 0: one per physical core).
func newPool(threads int) *pool {
	if threads <= 0 {
		threads = physicalCores()
	}
	p := &pool{workers: make([]chan task, threads-1)}
	for i := range p.workers {
		ch := make(chan task)
		p.workers[i] = ch
		go func(part int) {
			for t := range ch {
				t.runPart(part, threads)
				p.wg.Done()
			}
		}(i + 1)
	}
	return p
}

// threads is the number of parts every task is split into.
func (p *pool) threads() int { return len(p.workers) + 1 }

// run does every part of t and returns when all are done.
func (p *pool) run(t task) {
	p.wg.Add(len(p.workers))
	for _, w := range p.workers {
		w <- t
	}
	t.runPart(0, p.threads())
	p.wg.Wait()
}

// close stops the workers.
func (p *pool) close() {
	for _, w := range p.workers {
		close(w)
	}
	p.workers = nil
}

// span returns the part-th of parts contiguous ranges splitting [0, n).
func span(n, part, parts int) (lo, hi int) {
	return n * part / parts, n * (part + 1) / parts
}
