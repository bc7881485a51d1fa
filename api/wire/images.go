package wire

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
