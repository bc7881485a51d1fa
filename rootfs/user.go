package rootfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// User is who a container's process runs as.
type User struct {
	UID, GID uint32
	Groups   []uint32 // supplementary groups: those of /etc/group that list the user
}

// maxDBFile bounds what is read of an image's /etc/passwd or /etc/group.
const maxDBFile = 4 << 20

// LookupUser resolves an image config's User ("", "uid", "uid:gid", "name", "name:group",
// "uid:group") as containerd does: names come from the image's /etc/passwd and /etc/group,
// read through its layers (top-most first; a whiteout or an opaque directory ends the
// search), each path resolved inside its layer (pathrs-lite: a symlink in the image never
// leads out of it). A numeric uid without a group takes its passwd entry's gid, else 0; a name
// that is not in /etc/passwd is an error.
func (img *Image) LookupUser(spec string) (User, error) {
	if spec == "" {
		return User{}, nil
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	passwd, err := readLayered(img.Lowers, "etc/passwd")
	if err != nil {
		return User{}, err
	}
	u, err := findUser(passwd, userPart)
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", spec, err)
	}
	group, err := readLayered(img.Lowers, "etc/group")
	if err != nil {
		return User{}, err
	}
	if hasGroup {
		if u.GID, err = findGroup(group, groupPart); err != nil {
			return User{}, fmt.Errorf("user %q: %w", spec, err)
		}
	}
	u.Groups = memberOf(group, u.name)
	return u.User, nil
}

type namedUser struct {
	User
	name string
}

// findUser finds a passwd entry by name or uid; a uid with no entry is used as it is.
func findUser(passwd []byte, who string) (namedUser, error) {
	uid, numErr := strconv.ParseUint(who, 10, 32)
	for _, f := range dbLines(passwd, 7) {
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		gid, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			continue
		}
		if f[0] == who || numErr == nil && id == uid {
			return namedUser{User{UID: uint32(id), GID: uint32(gid)}, f[0]}, nil
		}
	}
	if numErr == nil {
		return namedUser{User: User{UID: uint32(uid)}}, nil
	}
	return namedUser{}, fmt.Errorf("no user %q in the image's /etc/passwd", who)
}

func findGroup(group []byte, which string) (uint32, error) {
	if gid, err := strconv.ParseUint(which, 10, 32); err == nil {
		return uint32(gid), nil
	}
	for _, f := range dbLines(group, 4) {
		if f[0] == which {
			if gid, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				return uint32(gid), nil
			}
		}
	}
	return 0, fmt.Errorf("no group %q in the image's /etc/group", which)
}

// memberOf lists the gids of the groups whose member list names user.
func memberOf(group []byte, user string) []uint32 {
	if user == "" {
		return nil
	}
	var out []uint32
	for _, f := range dbLines(group, 4) {
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err == nil && slicesContains(strings.Split(f[3], ","), user) {
			out = append(out, uint32(gid))
		}
	}
	return out
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == s {
			return true
		}
	}
	return false
}

// dbLines splits a passwd-style file into the fields of its lines with at least n fields,
// skipping comments.
func dbLines(b []byte, n int) [][]string {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxDBFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Split(line, ":"); len(f) >= n {
			out = append(out, f)
		}
	}
	return out
}

// readLayered reads rel (a clean relative path) as the overlay of lowers would show it; a
// file none of them has reads as empty.
func readLayered(lowers []string, rel string) ([]byte, error) {
	for _, lower := range lowers {
		b, state, err := readInLayer(lower, rel)
		if err != nil {
			return nil, fmt.Errorf("image /%s: %w", rel, err)
		}
		switch state {
		case layerHas:
			return b, nil
		case layerHides:
			return nil, nil
		}
	}
	return nil, nil
}

type layerState int

const (
	layerLacks layerState = iota // look in the next layer down
	layerHas
	layerHides // a whiteout or an opaque directory: lower layers do not count
)

func readInLayer(lower, rel string) ([]byte, layerState, error) {
	h, err := pathrs.OpenInRoot(lower, rel)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		if hidden(lower, path.Dir(rel)) {
			return nil, layerHides, nil
		}
		return nil, layerLacks, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer h.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd(h), &st); err != nil {
		return nil, 0, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFCHR:
		if st.Rdev == 0 {
			return nil, layerHides, nil // a whiteout
		}
		return nil, 0, errors.New("not a regular file")
	default:
		return nil, 0, errors.New("not a regular file")
	}
	f, err := pathrs.Reopen(h, unix.O_RDONLY)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDBFile))
	return b, layerHas, err
}

// hidden reports whether dir (relative) of this layer is opaque or whited out, so the layers
// below do not show it.
func hidden(lower, dir string) bool {
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		h, err := pathrs.OpenInRoot(lower, d)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		isWhiteout := unix.Fstat(fd(h), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
		opaque := false
		if f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_DIRECTORY); err == nil {
			buf := make([]byte, 1)
			n, err := unix.Fgetxattr(fd(f), opaqueXattr, buf)
			opaque = err == nil && n == 1 && buf[0] == 'y'
			f.Close()
		}
		h.Close()
		if isWhiteout || opaque {
			return true
		}
	}
	return false
}
