package nsinit

import (
	"encoding/base64"
	"strconv"
)

// The wire form of Security, after the config's cwd:
//
//	uid, gid, len(groups), groups..., len(caps), caps..., flags, seccomp (base64),
//	nofile soft, nofile hard, oom_score_adj, len(sysctls), sysctls...
//
// flags holds one letter per set flag: "p" privileged, "n" no_new_privs, "r" read-only root.
func (w *configWriter) security(s *Security) {
	w.str(strconv.FormatUint(uint64(s.UID), 10))
	w.str(strconv.FormatUint(uint64(s.GID), 10))
	w.count(len(s.Groups))
	for _, g := range s.Groups {
		w.str(strconv.FormatUint(uint64(g), 10))
	}
	w.count(len(s.Caps))
	for _, c := range s.Caps {
		w.str(strconv.Itoa(c))
	}
	flags := ""
	for _, f := range []struct {
		set    bool
		letter string
	}{{s.Privileged, "p"}, {s.NoNewPrivs, "n"}, {s.ReadOnlyRoot, "r"}} {
		if f.set {
			flags += f.letter
		}
	}
	w.str(flags)
	w.str(base64.StdEncoding.EncodeToString(s.Seccomp))
	w.str(strconv.FormatUint(s.NofileSoft, 10))
	w.str(strconv.FormatUint(s.NofileHard, 10))
	w.str(strconv.Itoa(s.OOMScoreAdj))
	w.list(s.Sysctls)
}

func (r *configReader) security(s *Security) {
	s.UID, s.GID = r.uint32(), r.uint32()
	if n := r.count(); n > 0 {
		s.Groups = make([]uint32, n)
		for i := range s.Groups {
			s.Groups[i] = r.uint32()
		}
	}
	if n := r.count(); n > 0 {
		s.Caps = make([]int, n)
		for i := range s.Caps {
			s.Caps[i] = int(r.number(0, 63))
		}
	}
	for _, f := range r.str() {
		switch f {
		case 'p':
			s.Privileged = true
		case 'n':
			s.NoNewPrivs = true
		case 'r':
			s.ReadOnlyRoot = true
		default:
			r.fail("unknown security flag %q", f)
		}
	}
	if b64 := r.str(); b64 != "" {
		prog, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			r.fail("seccomp program: %v", err)
		}
		s.Seccomp = prog
	}
	s.NofileSoft, s.NofileHard = r.uint64(), r.uint64()
	s.OOMScoreAdj = int(r.number(-1000, 1000))
	s.Sysctls = r.list()
}

func (r *configReader) uint32() uint32 { return uint32(r.number(0, 1<<32-1)) }

func (r *configReader) uint64() uint64 {
	s := r.str()
	if r.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		r.fail("bad number %q", s)
	}
	return n
}

// number reads a decimal integer in [lo, hi].
func (r *configReader) number(lo, hi int64) int64 {
	s := r.str()
	if r.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		r.fail("bad number %q", s)
		return 0
	}
	return n
}
