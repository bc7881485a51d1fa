package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// save writes the pod record atomically (temp file + rename). Status updates do not fsync: a
// podd crash keeps the page cache, and a power loss loses processes as well.
func (p *pod) save() {
	if err := p.write(false); err != nil {
		logf("pod %s: %v", p.obj.Name, err)
	}
}

// syncRecord makes the record written by write(false) durable: the file, then its directory
// entry. Apply runs it beside the sandbox work (the rename alone already survives a podd crash).
func (p *pod) syncRecord() error {
	for _, path := range []string{p.stateFile(), p.dir()} {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("sync pod record: %w", err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("sync pod record %s: %w", path, err)
		}
	}
	return nil
}

// write records the pod atomically; sync also fsyncs the file before the rename.
func (p *pod) write(sync bool) error {
	p.mu.Lock()
	data, err := json.Marshal(p.obj)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode pod record: %w", err)
	}
	return writeAtomic(p.stateFile(), data, sync)
}

func writeAtomic(path string, data []byte, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pod-*.json")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
