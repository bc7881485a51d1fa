// Command podd-nsinit is what every container process starts as: podd clones it into the
// container's namespaces and cgroup, it builds the container's root from the config podd sends
// and execs the container command (package nsinit). It is a separate small binary so a
// container starts ~3 ms sooner than by re-executing podd; podd runs it from a sealed memfd.
package main

import "github.com/podd/podd/nsinit"

func main() { nsinit.Main() }
