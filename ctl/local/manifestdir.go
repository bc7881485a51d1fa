package local

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podd/podd/api/wire"
)

// manifestExts are the files kubectl takes from a directory given to -f.
var manifestExts = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// ReadManifests reads what one -f names into files: a file as it is; a directory as the list
// of its manifest files (recursive: in its subdirectories too), each read in turn; an http(s)
// URL as fetched.
func ReadManifests(path string, recursive bool, files map[string]wire.File) {
	if IsURL(path) {
		files[path] = ReadURL(path)
		return
	}
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		files[path] = readOne(path)
		return
	}
	var entries []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != path && !recursive:
			return filepath.SkipDir
		case d.IsDir() || !manifestExts[filepath.Ext(p)]:
			return nil
		}
		entries = append(entries, p)
		files[p] = readOne(p)
		return nil
	})
	dir := wire.File{Entries: entries}
	if err != nil {
		dir.Error = err.Error()
	}
	files[path] = dir
}

func readOne(path string) wire.File {
	data, err := os.ReadFile(path)
	if err != nil {
		return wire.File{Error: err.Error()}
	}
	return wire.File{Data: data}
}
