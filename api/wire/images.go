package wire

import "encoding/json"

// ImageInfo is a pulled registry image as podd's image API shows it.
type ImageInfo struct {
	Ref        string `json:"ref"`        // the full reference (registry/repository:tag or @digest)
	ID         string `json:"id"`         // the image manifest's digest
	RepoDigest string `json:"repoDigest"` // repository@digest of what the reference named
	Pulled     string `json:"pulled"`     // RFC 3339
}

// ImageList is the answer of GET /podd/v1/images.
type ImageList struct {
	Items []ImageInfo `json:"items"`
}

// PruneResult is the answer of POST /podd/v1/images/prune.
type PruneResult struct {
	Images []string `json:"images"` // manifest digests removed
	Layers int      `json:"layers"` // unpacked layers removed
	Blobs  int      `json:"blobs"`  // manifests and configs removed
}

// PullProgress is one layer's state during a pull: Current of Total compressed bytes read;
// Status is Waiting, Downloading, Pull complete or Already exists.
type PullProgress struct {
	Layer   string `json:"layer"` // the compressed layer's digest
	Status  string `json:"status"`
	Current int64  `json:"current,omitempty"`
	Total   int64  `json:"total,omitempty"`
}

// PullEvent is one JSON line of POST /podd/v1/images/pull?progress=true: layers' progress,
// then the image pulled or the failure (a Kubernetes Status object, as an error answer).
type PullEvent struct {
	Progress *PullProgress   `json:"progress,omitempty"`
	Image    *ImageInfo      `json:"image,omitempty"`
	Error    json.RawMessage `json:"error,omitempty"`
}
