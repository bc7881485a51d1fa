package api

import (
	"net/http"
	"runtime"
	"runtime/debug"

	"k8s.io/apimachinery/pkg/version"
)

// version serves GET /version as the API server does (version.Info), from podd's build: the
// module version, else the VCS revision, else "devel".
func (h *handlers) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, BuildVersion())
}

// BuildVersion is the version.Info of this binary.
func BuildVersion() version.Info {
	info := version.Info{GitVersion: "devel", GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		info.GitVersion = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.GitCommit = s.Value
		case "vcs.time":
			info.BuildDate = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				info.GitTreeState = "dirty"
			} else {
				info.GitTreeState = "clean"
			}
		}
	}
	return info
}
