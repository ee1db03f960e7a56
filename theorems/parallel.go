package theorems

import (
	"runtime"
	"sync"
)

// parallelFor runs fn(0), …, fn(n−1) on up to GOMAXPROCS goroutines. Each fn must touch only
// its own outputs (losses keep scratch: build them inside fn). A panic in fn is re-raised in
// the caller's goroutine, so that the engine reports it instead of the process dying.
func parallelFor(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		next    int
		panicky any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if panicky == nil {
						panicky = r
					}
					mu.Unlock()
				}
			}()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= n || panicky != nil
				mu.Unlock()
				if stop {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	if panicky != nil {
		panic(panicky)
	}
}
