package ui

import "context"

// jobs runs the one blocking call the agent waits for — a silent sign-in, a lookup, a sign-in or a sign-out —
// with its Cancel. Starting a job cancels the one before; a late answer to a cancelled job is dropped.
type jobs struct {
	do       func(func()) // hands work to the Fyne thread: fyne.Do
	id       int
	cancel   context.CancelFunc
	onEscape func() // what the screen shows once Escape or Cancel has cancelled the job; nil: they do nothing
}

// start cancels the job in flight and starts another, which Escape (and every Cancel) cancels before calling
// onEscape; a nil onEscape makes the job one that cannot be cancelled. later runs f on the Fyne thread, unless
// the job has ended or been replaced by then.
func (j *jobs) start(onEscape func()) (ctx context.Context, later func(f func())) {
	j.stop()
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel, j.onEscape = cancel, onEscape
	id := j.id
	later = func(f func()) {
		j.do(func() {
			if j.id == id {
				f()
			}
		})
	}
	return ctx, later
}

// stop cancels the job in flight, if any, and forgets its Escape.
func (j *jobs) stop() {
	if j.cancel != nil {
		j.cancel()
		j.cancel = nil
	}
	j.id++
	j.onEscape = nil
}

// escape cancels the job in flight, if it can be cancelled, and shows what comes after.
func (j *jobs) escape() {
	after := j.onEscape
	if after == nil {
		return
	}
	j.stop()
	after()
}

// run calls work in a goroutine as a new job (see start) and, when it returns, ends the job and calls done with
// its result on the Fyne thread, unless the job was cancelled meanwhile.
func run[T any](j *jobs, onEscape func(), work func(context.Context) (T, error), done func(T, error)) {
	ctx, later := j.start(onEscape)
	go func() {
		v, err := work(ctx)
		later(func() {
			j.stop()
			done(v, err)
		})
	}()
}
