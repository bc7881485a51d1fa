package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Limits bound what an image may make podd download and write: a hostile or broken image
// (a gzip bomb, a sparse file of terabytes of holes, millions of empty files) fails its pull
// instead of filling the disk. Bytes count both the uncompressed layer tar read (contents and
// headers) and the files' sizes written (a sparse entry's holes are written as zeros), each
// against the limit; a compressed layer may not be
// declared larger than LayerBytes nor the image's layers together than ImageBytes, and
// go-containerregistry reads no blob past its declared size. Zero fields are the defaults.
type Limits struct {
	LayerBytes int64 // uncompressed bytes of one layer
	ImageBytes int64 // uncompressed bytes of the layers one pull unpacks
	Files      int64 // tar entries (files, directories, links) of the layers one pull unpacks
}

// The default limits: well above any real image (the largest CUDA images are ~20 GB
// unpacked), far below a bomb's appetite.
const (
	DefaultMaxLayerBytes = 32 << 30
	DefaultMaxImageBytes = 64 << 30
	DefaultMaxFiles      = 4_000_000
	maxConfigBytes       = 8 << 20 // an image config (JSON) declared larger is refused
)

// ErrTooLarge is the error of a pull (or load) an image's limits stop.
var ErrTooLarge = errors.New("image exceeds podd's size limits")

func (l Limits) withDefaults() Limits {
	if l.LayerBytes <= 0 {
		l.LayerBytes = DefaultMaxLayerBytes
	}
	if l.ImageBytes <= 0 {
		l.ImageBytes = DefaultMaxImageBytes
	}
	if l.Files <= 0 {
		l.Files = DefaultMaxFiles
	}
	return l
}

// budget is one image's unpacking allowance, shared by its layers' parallel unpacks.
type budget struct {
	lim                   Limits
	bytes, files, written atomic.Int64
	report                func(Progress) // the layers' progress; nil: none
}

func newBudget(l Limits) *budget { return &budget{lim: l.withDefaults()} }

// entry counts one tar entry, and the size a regular file's contents will take on disk
// (layerWritten: the layer's sum so far).
func (b *budget) entry(hdr *tar.Header, layerWritten *int64) error {
	if err := b.file(); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeGNUSparse {
		return nil
	}
	*layerWritten += hdr.Size
	if *layerWritten > b.lim.LayerBytes {
		return fmt.Errorf("%w: a layer's files total more than %d bytes (podd --max-layer-bytes)", ErrTooLarge, b.lim.LayerBytes)
	}
	if b.written.Add(hdr.Size) > b.lim.ImageBytes {
		return fmt.Errorf("%w: the layers' files total more than %d bytes (podd --max-image-bytes)", ErrTooLarge, b.lim.ImageBytes)
	}
	return nil
}

// file counts one directory an entry's path creates.
func (b *budget) file() error {
	if n := b.files.Add(1); n > b.lim.Files {
		return fmt.Errorf("%w: more than %d files (podd --max-image-files)", ErrTooLarge, b.lim.Files)
	}
	return nil
}

// chargeParents counts, as files, the directories of an entry's parent path that no earlier
// entry made or named: one entry "a/b/.../z" would otherwise make thousands of directories
// for one count. A directory entry (isDir) is recorded as made.
func (u *unpacker) chargeParents(dir, rel string, isDir bool) error {
	if u.budget == nil {
		return nil
	}
	for d := dir; d != "." && d != "/" && !u.dirs[d]; d = path.Dir(d) {
		u.dirs[d] = true
		if err := u.budget.file(); err != nil {
			return err
		}
	}
	if isDir {
		u.dirs[rel] = true
	}
	return nil
}

// checkDeclared refuses, before anything is downloaded, an image whose manifest declares a
// config or layers larger than the limits allow.
func (b *budget) checkDeclared(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	if m.Config.Size > maxConfigBytes {
		return fmt.Errorf("%w: config of %d bytes (at most %d)", ErrTooLarge, m.Config.Size, maxConfigBytes)
	}
	var total int64
	for i, l := range m.Layers {
		if l.Size > b.lim.LayerBytes || l.Size < 0 {
			return fmt.Errorf("%w: layer %d is %d bytes compressed (podd --max-layer-bytes=%d)", ErrTooLarge, i, l.Size, b.lim.LayerBytes)
		}
		if total += l.Size; total > b.lim.ImageBytes {
			return fmt.Errorf("%w: layers of more than %d bytes compressed (podd --max-image-bytes=%d)", ErrTooLarge, total, b.lim.ImageBytes)
		}
	}
	return nil
}

// limitedReader counts what one layer's uncompressed stream yields against the layer's and
// the image's limits, and fails the read that goes over.
type limitedReader struct {
	r     io.Reader
	b     *budget
	layer int64
}

func (lr *limitedReader) Read(p []byte) (int, error) {
	n, err := lr.r.Read(p)
	lr.layer += int64(n)
	total := lr.b.bytes.Add(int64(n))
	if lr.layer > lr.b.lim.LayerBytes {
		return n, fmt.Errorf("%w: a layer unpacks to more than %d bytes (podd --max-layer-bytes)", ErrTooLarge, lr.b.lim.LayerBytes)
	}
	if total > lr.b.lim.ImageBytes {
		return n, fmt.Errorf("%w: the layers unpack to more than %d bytes (podd --max-image-bytes)", ErrTooLarge, lr.b.lim.ImageBytes)
	}
	return n, err
}
