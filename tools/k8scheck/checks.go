package k8scheck

import (
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// MinReplicas is how many replicas a lab Deployment runs at least.
const MinReplicas = 2

// SingleReplica names the Deployments that run one replica, and why: the
// identity provider keeps its signing keys in memory.
var SingleReplica = map[string]string{"auth": "its signing keys live in its memory"}

// CheckDeployment returns what a lab Deployment lacks: replicas, probes on
// /readyz and /healthz at a port the container declares, resource requests and
// limits, and a non-root, read-only, capability-free securityContext with an
// emptyDir for its data.
func CheckDeployment(d *appsv1.Deployment) []error {
	c := checker{owner: "Deployment/" + d.Name}
	if _, one := SingleReplica[d.Name]; one {
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
			c.fail("want 1 replica: %s", SingleReplica[d.Name])
		}
	} else if d.Spec.Replicas == nil || *d.Spec.Replicas < MinReplicas {
		c.fail("want at least %d replicas", MinReplicas)
	}
	pod := d.Spec.Template.Spec
	c.podSecurity(pod, true)
	emptyDirs := map[string]bool{}
	for _, v := range pod.Volumes {
		emptyDirs[v.Name] = v.EmptyDir != nil
	}
	for _, ctr := range pod.Containers {
		where := "container " + ctr.Name
		ports := map[string]bool{}
		for _, p := range ctr.Ports {
			ports[p.Name] = p.Name != ""
			ports[fmt.Sprint(p.ContainerPort)] = true
		}
		checkProbe := func(kind string, p *corev1.Probe, path string) {
			switch {
			case p == nil || p.HTTPGet == nil:
				c.fail("%s: want an HTTP %s probe on %s", where, kind, path)
			case p.HTTPGet.Path != path:
				c.fail("%s: the %s probe asks %s, want %s", where, kind, p.HTTPGet.Path, path)
			case !ports[portKey(p.HTTPGet.Port)]:
				c.fail("%s: the %s probe's port %s is not one the container declares", where, kind, p.HTTPGet.Port.String())
			}
		}
		checkProbe("readiness", ctr.ReadinessProbe, "/readyz")
		checkProbe("liveness", ctr.LivenessProbe, "/healthz")
		data := false
		for _, m := range ctr.VolumeMounts {
			if m.MountPath == "/data" {
				data = emptyDirs[m.Name]
			}
		}
		if !data {
			c.fail("%s: want an emptyDir mounted at /data (the root filesystem is read-only)", where)
		}
	}
	return c.errs
}

// CheckStatefulSet returns what a server's StatefulSet lacks: a volume claim
// template, readiness and liveness probes, resources, and a non-root,
// capability-free securityContext (its root filesystem may be writable: the
// servers' images write their configuration there).
func CheckStatefulSet(s *appsv1.StatefulSet) []error {
	c := checker{owner: "StatefulSet/" + s.Name}
	if len(s.Spec.VolumeClaimTemplates) == 0 {
		c.fail("no volume claim template")
	}
	c.podSecurity(s.Spec.Template.Spec, false)
	for _, ctr := range s.Spec.Template.Spec.Containers {
		if ctr.ReadinessProbe == nil || ctr.LivenessProbe == nil {
			c.fail("container %s: want a readiness and a liveness probe", ctr.Name)
		}
	}
	return c.errs
}

// checker collects the failures of one object.
type checker struct {
	owner string
	errs  []error
}

func (c *checker) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", c.owner, fmt.Sprintf(format, args...)))
}

// podSecurity checks a pod's user, seccomp profile, and each container's
// resources and securityContext; readOnlyRoot asks for a read-only root too.
func (c *checker) podSecurity(pod corev1.PodSpec, readOnlyRoot bool) {
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if !isTrue(psc.RunAsNonRoot) || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		c.fail("the pod must run as a non-root numeric user (runAsNonRoot, runAsUser)")
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		c.fail("the pod's seccompProfile must be RuntimeDefault")
	}
	if len(pod.Containers) == 0 {
		c.fail("no container")
	}
	for _, ctr := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		where := "container " + ctr.Name
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := ctr.Resources.Requests[res]; !ok {
				c.fail("%s: no %s request", where, res)
			}
			if _, ok := ctr.Resources.Limits[res]; !ok {
				c.fail("%s: no %s limit", where, res)
			}
		}
		sc := ctr.SecurityContext
		if sc == nil {
			c.fail("%s: no securityContext", where)
			continue
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			c.fail("%s: want allowPrivilegeEscalation: false", where)
		}
		if readOnlyRoot && !isTrue(sc.ReadOnlyRootFilesystem) {
			c.fail("%s: want readOnlyRootFilesystem: true", where)
		}
		if isTrue(sc.Privileged) {
			c.fail("%s: privileged", where)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 || sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot {
			c.fail("%s: runs as root", where)
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Add) > 0 || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			c.fail("%s: want capabilities drop [ALL] and nothing added", where)
		}
	}
}

func portKey(p intstr.IntOrString) string {
	if p.Type == intstr.String {
		return p.StrVal
	}
	return fmt.Sprint(p.IntVal)
}

func isTrue(b *bool) bool { return b != nil && *b }

// CheckReferences returns the references of a build that lead nowhere: a
// ConfigMap, Secret or key a pod reads that the build does not hold, a Service
// that selects no pod template, an Ingress backend that is no Service port.
func CheckReferences(objs []Object) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	configMaps, secrets := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, cm := range Of[*corev1.ConfigMap](objs) {
		configMaps[cm.Name] = union(keys(cm.Data), keys(cm.BinaryData))
	}
	for _, s := range Of[*corev1.Secret](objs) {
		secrets[s.Name] = union(keys(s.Data), keys(s.StringData))
	}
	type podOwner struct {
		name   string
		labels map[string]string
		spec   corev1.PodSpec
	}
	var pods []podOwner
	for _, d := range Of[*appsv1.Deployment](objs) {
		pods = append(pods, podOwner{"Deployment/" + d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, s := range Of[*appsv1.StatefulSet](objs) {
		pods = append(pods, podOwner{"StatefulSet/" + s.Name, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	ref := func(owner, kind string, all map[string]map[string]bool, name, key string) {
		ks, ok := all[name]
		switch {
		case !ok:
			fail("%s reads %s %q, which the build does not hold", owner, kind, name)
		case key != "" && !ks[key]:
			fail("%s reads key %q of %s %q, which has no such key", owner, key, kind, name)
		}
	}
	for _, p := range pods {
		for _, c := range append(p.spec.InitContainers, p.spec.Containers...) {
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil && !isTrue(e.ConfigMapRef.Optional) {
					ref(p.name, "ConfigMap", configMaps, e.ConfigMapRef.Name, "")
				}
				if e.SecretRef != nil && !isTrue(e.SecretRef.Optional) {
					ref(p.name, "Secret", secrets, e.SecretRef.Name, "")
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !isTrue(r.Optional) {
					ref(p.name, "ConfigMap", configMaps, r.Name, r.Key)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil && !isTrue(r.Optional) {
					ref(p.name, "Secret", secrets, r.Name, r.Key)
				}
			}
		}
		for _, v := range p.spec.Volumes {
			if v.ConfigMap != nil {
				ref(p.name, "ConfigMap", configMaps, v.ConfigMap.Name, "")
			}
			if v.Secret != nil {
				ref(p.name, "Secret", secrets, v.Secret.SecretName, "")
			}
		}
	}
	servicePorts := map[string]map[string]bool{}
	for _, s := range Of[*corev1.Service](objs) {
		servicePorts[s.Name] = map[string]bool{}
		for _, p := range s.Spec.Ports {
			servicePorts[s.Name][p.Name] = p.Name != ""
			servicePorts[s.Name][fmt.Sprint(p.Port)] = true
		}
		selected := false
		for _, p := range pods {
			selected = selected || len(s.Spec.Selector) > 0 && subset(s.Spec.Selector, p.labels)
		}
		if !selected {
			fail("Service/%s selects no pod template (selector %v)", s.Name, s.Spec.Selector)
		}
	}
	for _, in := range Of[*networkingv1.Ingress](objs) {
		for _, rule := range in.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, path := range rule.HTTP.Paths {
				b := path.Backend.Service
				if b == nil {
					continue
				}
				port := b.Port.Name
				if port == "" {
					port = fmt.Sprint(b.Port.Number)
				}
				if !servicePorts[b.Name][port] {
					fail("Ingress/%s routes %s to Service %s port %s, which the build does not hold", in.Name, path.Path, b.Name, port)
				}
			}
		}
	}
	return errs
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range maps.Keys(m) {
		out[k] = true
	}
	return out
}

func union(a, b map[string]bool) map[string]bool {
	maps.Copy(a, b)
	return a
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
