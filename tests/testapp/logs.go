package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// lines writes COUNT lines of BYTES bytes (the newline included), each with its own write(2)
// as an unbuffered logger does, to stdout or to FILE, then prints to stderr
// "lines COUNT in SECONDS s: RATE lines/s" (monotonic clock, the writes alone).
func lines(args []string) error {
	count, err := strconv.Atoi(args[0])
	if err != nil || count < 1 {
		return fmt.Errorf("bad count %q", args[0])
	}
	size, err := strconv.Atoi(args[1])
	if err != nil || size < 2 {
		return fmt.Errorf("bad line size %q: want at least 2 bytes", args[1])
	}
	out := os.Stdout
	if len(args) > 2 {
		if out, err = os.OpenFile(args[2], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
			return err
		}
		defer out.Close()
	}
	line := append(bytes.Repeat([]byte("x"), size-1), '\n')
	t0 := time.Now()
	for range count {
		if _, err := out.Write(line); err != nil {
			return err
		}
	}
	d := time.Since(t0)
	fmt.Fprintf(os.Stderr, "lines %d in %.6f s: %.0f lines/s\n", count, d.Seconds(), float64(count)/d.Seconds())
	return nil
}

// chatter writes a numbered line to stdout every SECONDS, forever: a steady logger.
func chatter(args []string) error {
	d, err := seconds(args[0])
	if err != nil || d <= 0 {
		return fmt.Errorf("bad interval %q: want seconds > 0", args[0])
	}
	buf := make([]byte, 0, 64)
	for i := 0; ; i++ {
		buf = strconv.AppendInt(append(buf[:0], "chatter line "...), int64(i), 10)
		if _, err := os.Stdout.Write(append(buf, '\n')); err != nil {
			return err
		}
		time.Sleep(d)
	}
}
