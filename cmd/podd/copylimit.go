package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
)

// MaxCopyBytes is --max-copy-size: the bytes of files one copy into a container may write.
func (d *daemon) MaxCopyBytes() int64 { return d.maxCopy }

// parseCopySize reads a --max-copy-size value (a quantity: 1Gi), at least one byte.
func parseCopySize(v string) (int64, error) {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0, fmt.Errorf("invalid value %q: %w", v, err)
	}
	if q.Value() < 1 {
		return 0, fmt.Errorf("invalid value %q: must be at least 1", v)
	}
	return q.Value(), nil
}
