// Package k8scheck builds the lab's kustomize overlays (deploy/k8s) the way
// `kustomize build` does, decodes every object strictly into its k8s.io/api type
// and checks what a Deployment of the lab must have.
package k8scheck

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Object is one object of a build, decoded into its typed value.
type Object struct {
	APIVersion, Kind, Namespace, Name string
	Value                             any // *appsv1.Deployment, *corev1.Service …
}

func (o Object) String() string { return o.Kind + "/" + o.Name }

// types maps apiVersion/kind to the k8s.io/api type an object decodes into. A
// kind the lab starts to use is added here; one missing fails the build check.
var types = map[string]func() any{
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Namespace":                           func() any { return new(corev1.Namespace) },
	"v1/PersistentVolumeClaim":               func() any { return new(corev1.PersistentVolumeClaim) },
	"v1/Secret":                              func() any { return new(corev1.Secret) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"v1/ServiceAccount":                      func() any { return new(corev1.ServiceAccount) },
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"apps/v1/StatefulSet":                    func() any { return new(appsv1.StatefulSet) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"networking.k8s.io/v1/Ingress":           func() any { return new(networkingv1.Ingress) },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return new(networkingv1.NetworkPolicy) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
}

// Build runs `kustomize build dir` and decodes every object it prints.
func Build(dir string) ([]Object, error) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var objs []Object
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		v, err := Decode(r.GetApiVersion(), r.GetKind(), y)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", dir, r.GetKind(), r.GetName(), err)
		}
		objs = append(objs, Object{APIVersion: r.GetApiVersion(), Kind: r.GetKind(),
			Namespace: r.GetNamespace(), Name: r.GetName(), Value: v})
	}
	return objs, nil
}

// Decode decodes one object strictly into the type of its apiVersion and kind:
// a field the type does not have, a field given twice, or a value of the wrong
// type is an error.
func Decode(apiVersion, kind string, y []byte) (any, error) {
	newValue, ok := types[apiVersion+"/"+kind]
	if !ok {
		return nil, fmt.Errorf("no k8s.io/api type for apiVersion %q kind %q (add it to k8scheck's table)", apiVersion, kind)
	}
	v := newValue()
	if err := yaml.UnmarshalStrict(y, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Find returns the object of the kind and name, or nil.
func Find(objs []Object, kind, name string) any {
	i := slices.IndexFunc(objs, func(o Object) bool { return o.Kind == kind && o.Name == name })
	if i < 0 {
		return nil
	}
	return objs[i].Value
}

// Of returns the objects of one type.
func Of[T any](objs []Object) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.Value.(T); ok {
			out = append(out, v)
		}
	}
	return out
}
