package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// save writes the pod record atomically (temp file + rename). Status updates do not fsync: a
// podd crash keeps the page cache, and a power loss loses processes as well.
func (p *pod) save() {
	if err := p.write(false); err != nil {
		logf("pod %s: %v", p.obj.Name, err)
	}
}

// syncRecord makes the record written by write durable: the file, then its directory
// entry. Apply runs it beside the sandbox work (the rename alone already survives a podd crash).
func (p *pod) syncRecord() error {
	for _, path := range []string{p.stateFile(), p.dir()} {
		if err := syncPath(path); err != nil {
			return fmt.Errorf("sync pod record: %w", err)
		}
	}
	return nil
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}

// write records the pod atomically (sync: durably, directory entry included). Writers are
// serialized by saveMu, and each one encodes the pod as it is once it holds saveMu: the
// records reach the disk in the order their content was taken, so the last rename always
// carries the newest status (an older one can never win).
func (p *pod) write(sync bool) error {
	return p.writeWith(func(data []byte) error { return p.persist(data, sync) })
}

// writeNew writes a pod's first record straight into its new directory, without write's
// temporary file and rename (an inode created and a rename less per apply): the in-progress
// marker written before it makes a torn record harmless, as a restarted podd then rolls the
// apply back without reading the record (recoverDir). Apply's syncRecord makes it durable.
func (p *pod) writeNew() error {
	return p.writeWith(func(data []byte) error {
		f, err := os.OpenFile(p.stateFile(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write pod record: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", p.stateFile(), err)
		}
		return nil
	})
}

// writeWith encodes the pod under saveMu, stores the record with store and tells the watchers.
func (p *pod) writeWith(store func([]byte) error) error {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	if p.removed {
		return nil // torn down: a record would be left in the directory being removed
	}
	p.mu.Lock()
	data, err := json.Marshal(p.obj)
	var changed *corev1.Pod
	if p.rt.podWatch.active() {
		changed = p.obj.DeepCopy()
	}
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode pod record: %w", err)
	}
	if err := store(data); err != nil {
		return err
	}
	if changed != nil {
		p.rt.podChanged(watch.Modified, changed)
	}
	return nil
}

// The in-progress marker: Apply writes <pod dir>/applying before the record and removes it
// once the pod's Running status is saved. A restarted podd that finds it rolls the pod back
// entirely (the client never heard of success; a boot manifest is applied again by --manifests).
const applyingMarker = "applying"

func (p *pod) markerPath() string { return filepath.Join(p.dir(), applyingMarker) }

func (p *pod) markApplying() error {
	f, err := os.OpenFile(p.markerPath(), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("pod directory: %w", err)
	}
	return f.Close()
}

func (p *pod) clearApplying() error {
	if err := os.Remove(p.markerPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pod record: %w", err)
	}
	return nil
}
