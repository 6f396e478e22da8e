package k8scheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// The repository root and the kustomize tree, from this package's folder.
const (
	root     = "../.."
	overlays = root + "/deploy/k8s/overlays"
)

// processes are the Deployments every overlay holds.
var processes = []string{"customers", "ordering", "warehouse", "shipping", "billing", "gateway"}

// TestOverlays builds every overlay, decodes every object strictly, and checks
// the Deployments, the references, the variant and the namespace.
func TestOverlays(t *testing.T) {
	dirs, err := os.ReadDir(overlays)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		variant := d.Name()
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			objs, err := Build(filepath.Join(overlays, variant))
			if err != nil {
				t.Fatal(err)
			}
			checkOverlay(t, variant, objs)
		})
	}
}

func checkOverlay(t *testing.T, variant string, objs []Object) {
	for _, err := range CheckReferences(objs) {
		t.Error(err)
	}
	namespace := "lab-" + variant
	for _, o := range objs {
		if o.Kind != "Namespace" && o.Namespace != namespace {
			t.Errorf("%s is in namespace %q, want %q", o, o.Namespace, namespace)
		}
	}
	if Find(objs, "Namespace", namespace) == nil {
		t.Errorf("no Namespace %s", namespace)
	}

	deployments := Of[*appsv1.Deployment](objs)
	var names []string
	for _, d := range deployments {
		names = append(names, d.Name)
		for _, err := range CheckDeployment(d) {
			t.Error(err)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if want := []string{"$(LAB_VARIANT)", d.Name}; !slices.Equal(c.Args, want) {
			t.Errorf("Deployment/%s runs serve %v, want %v", d.Name, c.Args, want)
		}
	}
	slices.Sort(names)
	want := slices.Clone(processes)
	if _, err := os.Stat(filepath.Join(root, "security-patterns", variant)); err == nil {
		want = append(want, "auth") // the security variants' identity provider
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("Deployments %v, want %v", names, want)
	}
	for _, name := range []string{"postgres", "rabbitmq"} {
		s, ok := Find(objs, "StatefulSet", name).(*appsv1.StatefulSet)
		if !ok {
			t.Errorf("no StatefulSet %s", name)
			continue
		}
		for _, err := range CheckStatefulSet(s) {
			t.Error(err)
		}
	}
	if len(Of[*networkingv1.Ingress](objs)) != 1 {
		t.Error("want one Ingress, for the gateway")
	}

	// The variant is the ConfigMap's, and each service's database URL names its schema.
	config := configMap(objs, "lab-config")
	if config == nil || config.Data["LAB_VARIANT"] != variant {
		t.Errorf("the lab-config ConfigMap does not set LAB_VARIANT=%s", variant)
	}
	secret := secret(objs, "lab-secrets")
	if secret == nil {
		t.Fatal("no lab-secrets Secret")
	}
	for _, svc := range processes[:5] {
		url := string(secret.Data[strings.ToUpper(svc)+"_DATABASE_URL"])
		if !strings.HasPrefix(url, "postgres://") || !strings.Contains(url, "search_path="+svc) {
			t.Errorf("%s_DATABASE_URL %q is not a PostgreSQL URL with search_path=%s", strings.ToUpper(svc), url, svc)
		}
	}
}

// configMap and secret find a generated object by the name before its hash.
func configMap(objs []Object, name string) *corev1.ConfigMap {
	for _, cm := range Of[*corev1.ConfigMap](objs) {
		if strings.HasPrefix(cm.Name, name+"-") {
			return cm
		}
	}
	return nil
}

func secret(objs []Object, name string) *corev1.Secret {
	for _, s := range Of[*corev1.Secret](objs) {
		if strings.HasPrefix(s.Name, name+"-") {
			return s
		}
	}
	return nil
}

// TestEveryVariantHasAnOverlay: a variant folder (<category>/<variant> with a
// variant_test.go, which every base and pattern has and a library shared by
// some of them, such as security-patterns/auth, has not) without
// deploy/k8s/overlays/<variant> fails, so that a new variant is deployable
// from the day it lands.
func TestEveryVariantHasAnOverlay(t *testing.T) {
	folders, err := filepath.Glob(filepath.Join(root, "*-patterns", "*"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range folders {
		if _, err := os.Stat(filepath.Join(f, "variant_test.go")); err != nil {
			continue
		}
		found++
		name := filepath.Base(f)
		if _, err := os.Stat(filepath.Join(overlays, name, "kustomization.yaml")); err != nil {
			t.Errorf("variant %s has no overlay: add deploy/k8s/overlays/%s/kustomization.yaml (copy another overlay and change its name)", name, name)
		}
	}
	if found == 0 {
		t.Fatalf("no variant folder under %s", root)
	}
}

// TestDecodeIsStrict: a field the type does not have, or a value of the wrong
// type, fails the decode — the check that keeps a typo out of the manifests.
func TestDecodeIsStrict(t *testing.T) {
	const good = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: customers}
spec:
  replicas: 2
  selector: {matchLabels: {app: customers}}
  template:
    metadata: {labels: {app: customers}}
    spec:
      containers:
      - name: lab
        readinessProbe: {httpGet: {path: /readyz, port: http}}
`
	if _, err := Decode("apps/v1", "Deployment", []byte(good)); err != nil {
		t.Fatalf("a valid Deployment: %v", err)
	}
	for name, bad := range map[string]string{
		"unknown field":   strings.Replace(good, "path: /readyz", "paht: /readyz", 1),
		"misplaced field": strings.Replace(good, "  replicas: 2", "  replica: 2", 1),
		"wrong type":      strings.Replace(good, "replicas: 2", `replicas: "two"`, 1),
		"duplicate field": strings.Replace(good, "  replicas: 2", "  replicas: 2\n  replicas: 3", 1),
	} {
		if _, err := Decode("apps/v1", "Deployment", []byte(bad)); err == nil {
			t.Errorf("%s: decoded without an error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := Decode("apps/v1", "Deploymnet", []byte(good)); err == nil {
		t.Error("an unknown kind decoded without an error")
	}
}

// TestCheckDeployment: each rule of CheckDeployment catches its omission.
func TestCheckDeployment(t *testing.T) {
	objs, err := Build(filepath.Join(overlays, "rest"))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := Find(objs, "Deployment", "ordering").(*appsv1.Deployment)
	if !ok {
		t.Fatal("no Deployment ordering")
	}
	if errs := CheckDeployment(d); len(errs) > 0 {
		t.Fatalf("the shipped Deployment fails: %v", errs)
	}
	for name, spoil := range map[string]func(d *appsv1.Deployment){
		"one replica":   func(d *appsv1.Deployment) { one := int32(1); d.Spec.Replicas = &one },
		"no readiness":  func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil },
		"liveness path": func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].LivenessProbe.HTTPGet.Path = "/" },
		"no limits":     func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Resources.Limits = nil },
		"writable root": func(d *appsv1.Deployment) {
			f := false
			d.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = &f
		},
		"escalation": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		},
		"capabilities":   func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].SecurityContext.Capabilities.Drop = nil },
		"root":           func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil },
		"seccomp":        func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext.SeccompProfile = nil },
		"no data volume": func(d *appsv1.Deployment) { d.Spec.Template.Spec.Volumes = nil },
	} {
		spoilt := d.DeepCopy()
		spoil(spoilt)
		if errs := CheckDeployment(spoilt); len(errs) == 0 {
			t.Errorf("%s: CheckDeployment found nothing", name)
		}
	}
}
