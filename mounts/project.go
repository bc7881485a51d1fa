package mounts

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File is one file of a projected volume (configMap, secret, downwardAPI, projected).
type File struct {
	Path string // relative to the volume, checked by CheckFilePath
	Data []byte
	Mode os.FileMode
}

// dataLink is the symlink to the current timestamped directory, as kubelet's atomic writer
// names it; the files the user sees are symlinks through it.
const dataLink = "..data"

// Project writes files into dir as kubelet's atomic writer does: the files go into a new
// directory ..<timestamp>, the symlink ..data is swapped to it with one rename, and each top-level
// name is a symlink through ..data; the previous timestamped directory is then removed. A reader
// following ..data sees the old set of files or the new one, never a mix, and a later Project
// with the new content of the object updates a running container's view the same way.
func Project(dir string, files []File) error {
	for _, f := range files {
		if err := CheckFilePath(f.Path); err != nil {
			return err
		}
	}
	oldTS, _ := os.Readlink(filepath.Join(dir, dataLink))
	ts, err := writeTimestamped(dir, files)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, dataLink+"_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		return fmt.Errorf("project volume: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataLink)); err != nil {
		return fmt.Errorf("project volume: %w", err)
	}
	if err := linkTopLevel(dir, files); err != nil {
		return err
	}
	if oldTS != "" && oldTS != filepath.Base(ts) && strings.HasPrefix(oldTS, "..") && !strings.Contains(oldTS, "/") {
		if err := os.RemoveAll(filepath.Join(dir, oldTS)); err != nil {
			return fmt.Errorf("project volume: remove the previous files: %w", err)
		}
	}
	return nil
}

// writeTimestamped writes the files into a new ..<timestamp> directory of dir.
func writeTimestamped(dir string, files []File) (string, error) {
	ts, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return "", fmt.Errorf("project volume: %w", err)
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		return "", fmt.Errorf("project volume: %w", err)
	}
	for _, f := range files {
		p := filepath.Join(ts, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("project volume: %w", err)
		}
		if err := writeFile(p, f.Data, f.Mode); err != nil {
			return "", err
		}
	}
	return ts, nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("project volume: %w", err)
	}
	_, err = fh.Write(data)
	if err == nil {
		err = fh.Chmod(mode.Perm()) // exact bits, whatever the umask
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("project volume: write %s: %w", path, err)
	}
	return nil
}

// linkTopLevel makes each top-level name a symlink through ..data and removes the links of
// names no longer projected.
func linkTopLevel(dir string, files []File) error {
	want := map[string]bool{}
	for _, f := range files {
		top, _, _ := strings.Cut(filepath.Clean(f.Path), "/")
		want[top] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("project volume: %w", err)
	}
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, "..") && !want[n] && e.Type()&os.ModeSymlink != 0 {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("project volume: %w", err)
			}
		}
	}
	for _, top := range slices.Sorted(maps.Keys(want)) {
		err := os.Symlink(filepath.Join(dataLink, top), filepath.Join(dir, top))
		if err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("project volume: %w", err)
		}
	}
	return nil
}

// CheckFilePath refuses a projected file path that is absolute, contains a ".." element or
// starts with ".." (the names the atomic writer keeps for itself), as the API server does.
func CheckFilePath(p string) error {
	switch {
	case p == "":
		return errors.New("project volume: empty file path")
	case filepath.IsAbs(p):
		return fmt.Errorf("project volume: %q: must be a relative path", p)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("project volume: %q: must not start with '..'", p)
	case slices.Contains(strings.Split(p, "/"), ".."):
		return fmt.Errorf("project volume: %q: must not contain '..'", p)
	}
	return nil
}
