package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/podd/podd/manifest"
	corev1 "k8s.io/api/core/v1"
)

// manifestExts are the files of --manifests that podd applies; anything else is ignored.
var manifestExts = []string{".yaml", ".yml", ".json"}

// maxManifestFile bounds a manifest file as the API bounds a request body.
const maxManifestFile = manifest.MaxSize

// manifestFiles lists the manifest files of dir in name order: regular files (or links to
// them) named *.yaml, *.yml or *.json.
func manifestFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("manifests: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !slices.Contains(manifestExts, filepath.Ext(e.Name())) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
			log.Printf("%s: not a regular file: skipped", path)
			continue
		}
		files = append(files, path)
	}
	return files, nil
}

// readManifest reads and decodes one manifest file of at most maxManifestFile bytes. Decoding
// is bounded in depth (manifest.MaxDepth); a panic in it is returned as an error, so that no
// file can stop podd, as PID 1, from booting.
func readManifest(path string) (pods []*corev1.Pod, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestFile+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxManifestFile {
		return nil, fmt.Errorf("larger than %d bytes", maxManifestFile)
	}
	defer func() {
		if v := recover(); v != nil {
			pods, err = nil, fmt.Errorf("internal error decoding it: %v", v)
		}
	}()
	return manifest.Decode(data)
}
