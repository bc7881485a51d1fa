package host

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/api/client"
)

// TestConcurrentApplies applies 50 two-container pods at once and deletes them again, 20 times
// over: every apply must succeed. (About 1% of container starts failed with `clone container
// process: fork/exec /proc/self/fd/100: permission denied` once podd held ~100 descriptors: see
// nsinit.Binary.)
func TestConcurrentApplies(t *testing.T) {
	d := StartPodd(t)
	const pods = 50
	rounds := 20
	if testing.Short() {
		rounds = 3 // testing.Short: a quicker check of the same thing
	}
	c := client.New(d.Socket)
	// One pod first: the image is unpacked once (slow under -race), not within the burst's time.
	if errs := applyAll(d, -1, 1); len(errs) > 0 {
		t.Fatalf("apply: %v", errs[0])
	}
	if err := deleteAll(c, -1, 1); err != nil {
		t.Fatal(err)
	}
	failures := map[string]int{}
	for round := 0; round < rounds; round++ {
		errs := applyAll(d, round, pods)
		for _, err := range errs {
			failures[err.Error()]++
		}
		if err := deleteAll(c, round, pods); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d applies failed:\n%s", total(failures), rounds*pods, summarize(failures))
	}
}

func concurrentPodName(round, i int) string {
	if round < 0 {
		return "warm-up"
	}
	return fmt.Sprintf("burst-%d-%d", round, i)
}

func concurrentPod(name string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q},
"spec":{"terminationGracePeriodSeconds":0,"containers":[
{"name":"a","image":%q,"command":["/bin/sleep","600"]},
{"name":"b","image":%q,"command":["/bin/sleep","600"]}]}}`, name, testImage, testImage)
}

// applyAll applies n pods at the same time, each with its own `podctl apply` as users do, and
// returns the errors.
func applyAll(d *Podd, round, n int) []error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			name := concurrentPodName(round, i)
			if r := d.CtlStdin(string(concurrentPod(name)), "apply", "-f", "-"); r.Code != 0 {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s", strings.TrimSpace(r.Stderr)))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// deleteAll deletes the pods of a round (those whose apply failed may not exist).
func deleteAll(c *client.Client, round, n int) error {
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			zero := int64(0)
			err := c.Delete(ctx, "default", concurrentPodName(round, i), &zero)
			if err != nil && !strings.Contains(err.Error(), "not found") {
				errc <- fmt.Errorf("delete %s: %w", concurrentPodName(round, i), err)
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func summarize(m map[string]int) string {
	var lines []string
	for msg, n := range m {
		lines = append(lines, fmt.Sprintf("  %dx %s", n, msg))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
