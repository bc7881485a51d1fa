package runtime

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/podd/podd/internal/atomicfile"
)

// save writes the pod record atomically (temp file + rename). Status updates do not fsync: a
// podd crash keeps the page cache, and a power loss loses processes as well.
func (p *pod) save() {
	if err := p.write(); err != nil {
		logf("pod %s: %v", p.obj.Name, err)
	}
}

// syncRecord makes the record written by write durable: the file, then its directory
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

// write records the pod atomically (syncRecord makes it durable where that matters).
func (p *pod) write() error {
	p.mu.Lock()
	data, err := json.Marshal(p.obj)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode pod record: %w", err)
	}
	return atomicfile.Write(p.stateFile(), data, false)
}
