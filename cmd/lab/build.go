package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// build compiles the variant and the gateway into bin/, with one go build
// (it names each binary after its folder: bin/<variant> and bin/ui-gateway).
func build(ctx context.Context, root string, v Variant, c *console) error {
	begin := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", "bin"+string(filepath.Separator),
		"./"+v.Folder, "./ui-gateway/cmd/ui-gateway")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return fmt.Errorf("build %s: %w", v.Name, err)
	}
	c.Printf("lab: built bin/%s and bin/ui-gateway in %s", v.Name, time.Since(begin).Round(10*time.Millisecond))
	return nil
}

// findRoot returns the repository root: the nearest folder, from dir upwards, that holds go.mod.
func findRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("not inside the lab's repository: no go.mod in " + dir + " or above")
		}
	}
}
