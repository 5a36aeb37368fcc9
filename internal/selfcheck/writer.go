package selfcheck

import (
	"context"
	"sync"

	"kitei/internal/apperr"
	"kitei/internal/metrics"
)

// groupWriter commits concurrent answer saves together. One goroutine takes
// whatever saves are waiting, stores them in one transaction and only then
// answers each caller, so an acknowledged save is a committed one. While a
// commit is in flight the next batch gathers in the queue: the busier the
// store, the larger the batches, and one durable commit (one fsync) serves
// hundreds of saves.
type groupWriter struct {
	store    Store
	maxBatch int
	queue    chan *writeReq

	once sync.Once
	mu   sync.RWMutex
	done bool
	wg   sync.WaitGroup
}

type writeReq struct {
	w   AnswerWrite
	err chan error
}

func newGroupWriter(st Store, maxBatch int) *groupWriter {
	return &groupWriter{store: st, maxBatch: maxBatch, queue: make(chan *writeReq, 8*maxBatch)}
}

var errClosed = apperr.E(apperr.Conflict, "selfcheck.err.server_shutting_down_save_again")

// save queues w and waits until it is committed or refused.
func (g *groupWriter) save(ctx context.Context, w AnswerWrite) error {
	g.once.Do(func() { g.wg.Add(1); go g.loop() })
	req := &writeReq{w: w, err: make(chan error, 1)}
	g.mu.RLock()
	if g.done {
		g.mu.RUnlock()
		return errClosed
	}
	select {
	case g.queue <- req:
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	g.mu.RUnlock()
	select {
	case err := <-req.err:
		return err
	case <-ctx.Done():
		// The save may still commit; the caller was not told it did.
		return ctx.Err()
	}
}

func (g *groupWriter) loop() {
	defer g.wg.Done()
	batch := make([]*writeReq, 0, g.maxBatch)
	writes := make([]AnswerWrite, 0, g.maxBatch)
	for first := range g.queue {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < g.maxBatch {
			select {
			case r, ok := <-g.queue:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		writes = writes[:0]
		for _, r := range batch {
			writes = append(writes, r.w)
		}
		// The commit must not depend on any one caller's context.
		errs := g.store.SaveAnswers(context.Background(), writes)
		metrics.Batch(len(writes))
		for i, r := range batch {
			r.err <- errs[i]
		}
	}
}

// close stops taking saves and waits for the queued ones to commit.
func (g *groupWriter) close() {
	g.mu.Lock()
	if g.done {
		g.mu.Unlock()
		return
	}
	g.done = true
	g.mu.Unlock()
	g.once.Do(func() {}) // no loop yet: none will start, nothing is queued
	close(g.queue)
	g.wg.Wait()
}
