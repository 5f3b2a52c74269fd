package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows long work on a terminal. It is silent when stdout is not
// a terminal (a script, a pipe, a test), so that output stays what it was.
type progress struct {
	bar  *progressbar.ProgressBar
	stop chan struct{}
	done chan struct{}
}

// showProgress reports whether out is a terminal a person watches.
func showProgress(out io.Writer) bool {
	f, ok := out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
}

// newProgress starts a bar of total steps (bytes with asBytes), or a
// spinner when total is unknown (-1), drawn on stderr.
func newProgress(out io.Writer, total int64, what string, asBytes bool) *progress {
	visible := showProgress(out)
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(asBytes),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionShowElapsedTimeOnFinish(),
	}
	if !asBytes && total >= 0 {
		opts = append(opts, progressbar.OptionShowCount())
	}
	p := &progress{bar: progressbar.NewOptions64(total, opts...)}
	if total < 0 && visible {
		// A spinner only moves when told to; one step of work may take
		// long (a transaction, a file copy).
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(p.done)
			t := time.NewTicker(150 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					_ = p.bar.Add(0)
				}
			}
		}()
	}
	return p
}

// set moves the bar to done of total.
func (p *progress) set(done, total int) {
	if int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// reader counts what is read from r on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	pr := progressbar.NewReader(r, p.bar)
	return &pr
}

// finish clears the bar.
func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
	_ = p.bar.Finish()
}
