package main

import "runtime"

// The main goroutine keeps the main thread to itself, so no other goroutine ever runs there.
// A probe's socket is made in the pod's network namespace by its goroutine's own thread, which
// enters the namespace for a moment (probe/netns.go); the main thread must never do that, and a
// probe landing on it would hand the socket to the socket thread instead: two thread wake-ups.
func init() { runtime.LockOSThread() }
