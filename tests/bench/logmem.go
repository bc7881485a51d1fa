package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// chatterInterval is how often each logging pod writes a line (`testapp chatter`): 100 pods
// make 1000 lines/s (every 5 ms made 20 000/s, which kept this 2-CPU host at load 250 for
// minutes), and chatterWindow how long they log before podd's memory is read.
const (
	chatterInterval = "0.1"
	chatterWindow   = 10 * time.Second
)

// logFootprint measures podd's VmRSS with b.pods idle pods (sleep), then, on the same podd once
// those are deleted, with b.pods pods each writing a line every chatterInterval, after
// chatterWindow of it; and podd's CPU share meanwhile.
func (b *bench) logFootprint() error {
	idleNames, chattyNames := podNames("quiet", b.pods), podNames("chatty", b.pods)
	if err := b.applyPods(idleNames, `["sleep", "3600"]`); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // settle, as the logging pods get their window
	idle, _, err := procStatus(b.podd.pid)
	if err != nil {
		return err
	}
	if err := b.deleteAll(idleNames); err != nil {
		return err
	}
	if err := b.applyPods(chattyNames, `["/bin/testapp", "chatter", "`+chatterInterval+`"]`); err != nil {
		return err
	}
	lines0 := b.logRecords()
	cpu0, err := procCPU(b.podd.pid)
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(chatterWindow)
	cpu1, err := procCPU(b.podd.pid)
	if err != nil {
		return err
	}
	window := time.Since(t0)
	rss, hwm, err := procStatus(b.podd.pid)
	if err != nil {
		return err
	}
	lines := b.logRecords() - lines0
	if err := b.deleteAll(chattyNames); err != nil {
		return err
	}
	b.add(mbRow(fmt.Sprintf("podd-rss-%d-idle-pods", b.pods), idle))
	b.add(mbRow(fmt.Sprintf("podd-rss-%d-logging-pods", b.pods), rss))
	b.add(mbRow(fmt.Sprintf("podd-hwm-%d-logging-pods", b.pods), hwm))
	perSec := float64(lines) / window.Seconds()
	b.verdict(fmt.Sprintf("rss-%d-logging", b.pods), float64(rss)/1024 < 30,
		"VmRSS %.1f MB with %d pods each logging a line every %s s (%.0f lines/s in all), %.1f MB with %d idle pods; target < 30 MB",
		float64(rss)/1024, b.pods, chatterInterval, perSec, float64(idle)/1024, b.pods)
	b.info("log-capture-cpu", "podd used %.1f%% of one CPU capturing %.0f lines/s (%.2f µs per line)",
		100*float64(cpu1-cpu0)/float64(window), perSec, float64(cpu1-cpu0)/float64(time.Microsecond)/max(float64(lines), 1))
	return nil
}

// applyPods applies one one-container pod per name running command (1 s grace: a PID 1 that
// does not catch SIGTERM), one podctl at a time, and checks they all run.
func (b *bench) applyPods(names []string, command string) error {
	for i, name := range names {
		f, err := b.writePod(name, 1, command)
		if err != nil {
			return err
		}
		if _, err := b.apply(f); err != nil {
			return fmt.Errorf("apply %d of %d: %w", i+1, len(names), err)
		}
	}
	return b.allRunning(len(names))
}

// logRecords counts the records in every container log file under the log directory.
func (b *bench) logRecords() int {
	n := 0
	files, _ := filepath.Glob(filepath.Join(b.env.logDir(), "*", "*", "*.log*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			n += strings.Count(string(data), "\n")
		}
	}
	return n
}
