package runtime

import (
	"github.com/podd/podd/configobj"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// metadataChanged brings the pod's labels and annotations, changed by an update (re-apply,
// label, annotate), to the files of its downwardAPI volumes and projected downwardAPI sources,
// through the atomic writer (..data swapped: a reader sees the old files or the new ones), as
// the kubelet's sync does; here before the update returns. p.saveMu is held, so updates reach
// the files in their order.
func (p *pod) metadataChanged(before *corev1.Pod) {
	p.mu.Lock()
	labels, annotations := copyMap(p.obj.Labels), copyMap(p.obj.Annotations)
	p.mu.Unlock()
	if apiequality.Semantic.DeepEqual(before.Labels, labels) &&
		apiequality.Semantic.DeepEqual(before.Annotations, annotations) {
		return
	}
	s := p.sandbox
	s.vols.mu.Lock()
	meta := *s.meta
	meta.ObjectMeta = *s.meta.ObjectMeta.DeepCopy()
	meta.Labels, meta.Annotations = labels, annotations
	s.meta = &meta
	s.vols.mu.Unlock()
	if err := p.refreshVolumes(configobj.ShowsMetadata); err != nil {
		logf("pod %s: update downwardAPI volumes: %v", p.name, err)
	}
}
