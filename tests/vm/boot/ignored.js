# Not a manifest extension: podd must not apply this file (60-boot-manifests.sh checks).
apiVersion: v1
kind: Pod
metadata: {name: ignored-js}
spec:
  containers:
  - {name: app, image: "oci:/var/lib/podd/images/podd-test:latest", command: [testapp, sleep, "3600"]}
