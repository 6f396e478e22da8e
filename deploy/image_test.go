package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestImageServes builds the image of Containerfile.local from a static binary
// built here (the host needs no registry), runs `lab serve rest customers` in it
// as the image's own user on a read-only root filesystem, and asks /healthz
// and /readyz. It needs podman, or docker with a daemon that answers.
func TestImageServes(t *testing.T) {
	engine, err := containerEngine()
	testenv.Require(t, "a container engine (podman or docker)", err)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute) // a cold build of the binary is slow
	defer cancel()

	// The build context: what make images-local stages in .lab/image.
	stage := t.TempDir()
	for _, dir := range []string{"data", "ui"} {
		if err := os.Mkdir(filepath.Join(stage, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(stage, "ui", "index.html"), []byte("<!doctype html><title>lab</title>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stage, "ca-certificates.crt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	goBuild(ctx, t, root, filepath.Join(stage, "lab"), "./cmd/lab")
	t.Logf("built the binary in %s", time.Since(begin).Round(time.Millisecond))

	// From here on the container part, bounded on its own.
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	begin = time.Now()
	tag := "localhost/lab-test:" + randomHex()
	engine.run(ctx, t, "build", "-q", "-f", filepath.Join(root, "deploy", "Containerfile.local"), "-t", tag, stage)
	t.Cleanup(func() { engine.quiet("rmi", "-f", tag) })
	t.Logf("built image %s in %s", tag, time.Since(begin).Round(time.Millisecond))
	if user := engine.run(ctx, t, "image", "inspect", "--format", "{{.Config.User}}", tag); user != "65532:65532" {
		t.Errorf("the image runs as %q, want 65532:65532", user)
	}

	// -v /data: an anonymous volume, owned like the image's /data, removed with the container.
	// The entrypoint is /lab serve.
	id := engine.run(ctx, t, "run", "-d", "--read-only", "-p", "127.0.0.1::8081", "-v", "/data",
		"-e", "CUSTOMERS_ADDR=0.0.0.0:8081", tag, "rest", "customers")
	t.Cleanup(func() { engine.quiet("rm", "-f", "-v", id) })
	published := engine.run(ctx, t, "port", id, "8081/tcp")
	base := "http://" + strings.Fields(published)[0]

	for _, path := range []string{"/healthz", "/readyz"} {
		if err := waitOK(ctx, base+path); err != nil {
			logs, _ := exec.Command(engine.name, "logs", id).CombinedOutput()
			t.Fatalf("GET %s: %v\ncontainer logs:\n%s", path, err, logs)
		}
		t.Logf("GET %s: 200 after %s", path, time.Since(begin).Round(time.Millisecond))
	}
}

func goBuild(ctx context.Context, t *testing.T, root, out, pkg string) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
}

// engine runs podman (with deploy/containers.conf) or docker.
type engine struct {
	name string
	env  []string
}

// containerEngine returns podman when it is installed, else docker when its
// daemon answers.
func containerEngine() (engine, error) {
	if _, err := exec.LookPath("podman"); err == nil {
		conf, err := filepath.Abs("containers.conf")
		if err != nil {
			return engine{}, err
		}
		return engine{name: "podman", env: append(os.Environ(), "CONTAINERS_CONF="+conf)}, nil
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return engine{}, errors.New("neither podman nor docker is installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if msg, err := exec.CommandContext(ctx, "docker", "info").CombinedOutput(); err != nil {
		return engine{}, fmt.Errorf("docker info: %v: %s", err, lastLine(msg))
	}
	return engine{name: "docker", env: os.Environ()}, nil
}

// run runs one engine command and returns its trimmed output; an error fails the test.
func (e engine) run(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, e.name, args...)
	cmd.Env = e.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", e.name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}

// quiet runs a clean-up command; its failure does not matter.
func (e engine) quiet(args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.name, args...)
	cmd.Env = e.env
	_ = cmd.Run()
}

// waitOK polls url until it answers 200 or ctx ends, for at most 30 s.
func waitOK(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	last := errors.New("no answer")
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err != nil {
			last = err
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("answered %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
