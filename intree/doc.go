// Package intree copies file trees in and out of a root directory given as a handle (a
// container's /proc/PID/root, or podctl's local destination) as tar streams. Every path is
// resolved inside the root with filepath-securejoin's pathrs-lite (openat2 RESOLVE_IN_ROOT
// semantics) and trees are walked by handles (openat relative to an opened directory, with
// O_NOFOLLOW), never by re-resolving string paths: a symlink in the tree, or one swapped in
// during the copy, is copied or created as a link and never followed out of the root.
package intree
