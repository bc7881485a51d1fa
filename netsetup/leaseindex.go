package netsetup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// leaseIndex maps each owner to the address files it holds, so that releasing or looking up a
// pod's address reads that address's file instead of every file of IPAMDir (deleting N pods
// read N² files: 47 s to delete 1000 pods). The files stay the truth: the index is built from
// them on first use, kept up to date by reserve and free, and every address it names is
// checked against its file before use. Only this Network writes IPAMDir once it is in use.
type leaseIndex struct {
	mu      sync.Mutex
	byOwner map[string][]string // address file names by owner; nil until loaded
}

// candidates returns the address file names the index holds for owner, loading it first.
func (x *leaseIndex) candidates(dir, owner string) ([]string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.loadLocked(dir); err != nil {
		return nil, err
	}
	return slices.Clone(x.byOwner[owner]), nil
}

// used is the set of address file names held by anyone, loading the index first.
func (x *leaseIndex) used(dir string) (map[string]bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.loadLocked(dir); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, names := range x.byOwner {
		for _, name := range names {
			set[name] = true
		}
	}
	return set, nil
}

func (x *leaseIndex) loadLocked(dir string) error {
	if x.byOwner != nil {
		return nil
	}
	m, err := loadLeases(dir)
	if err != nil {
		return err
	}
	x.byOwner = m
	return nil
}

// loadLeases reads every address file of dir (none if dir does not exist yet).
func loadLeases(dir string) (map[string][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read ipam dir: %w", err)
	}
	m := map[string][]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if owner, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			m[string(owner)] = append(m[string(owner)], e.Name())
		}
	}
	return m, nil
}

// add records that owner now holds the address file name (once loaded; before, the load reads it).
func (x *leaseIndex) add(owner, name string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byOwner != nil && !slices.Contains(x.byOwner[owner], name) {
		x.byOwner[owner] = append(x.byOwner[owner], name)
	}
}

// remove forgets that owner holds name.
func (x *leaseIndex) remove(owner, name string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byOwner == nil {
		return
	}
	names := slices.DeleteFunc(x.byOwner[owner], func(s string) bool { return s == name })
	if len(names) == 0 {
		delete(x.byOwner, owner)
	} else {
		x.byOwner[owner] = names
	}
}
