// Package deps pins the project's direct dependencies in go.mod until every one is used by real code.
package deps

import (
	_ "github.com/cilium/ebpf"
	_ "github.com/cyphar/filepath-securejoin"
	_ "github.com/google/go-containerregistry/pkg/v1/layout"
	_ "github.com/moby/sys/mountinfo"
	_ "github.com/urfave/cli/v2"
	_ "github.com/vishvananda/netlink"
	_ "golang.org/x/sys/unix"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/apimachinery/pkg/api/resource"
	_ "k8s.io/apimachinery/pkg/util/validation"
	_ "sigs.k8s.io/yaml"
)
