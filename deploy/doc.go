// Package deploy holds what the lab needs beyond one machine: the image
// (Containerfile), the compose file (compose/) and the Kubernetes manifests
// (k8s/). Its test builds the image from a binary built here and runs a
// service in it; the manifests are checked by tools/k8scheck.
package deploy
