package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakefile_uiFresh runs make ui-fresh on a fake UI whose npm fails: a
// failed build lets the run go on with a note, an interrupted one (npm exits
// 130, as after Ctrl-C) stops make.
func TestMakefile_uiFresh(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("skipping: no make")
	}
	wd, _ := os.Getwd()
	root, err := findRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	ui, bin := filepath.Join(t.TempDir(), "ui"), t.TempDir()
	mustWrite(t, filepath.Join(ui, "package.json"), "{}\n")
	mustWrite(t, filepath.Join(ui, "package-lock.json"), "{}\n")
	mustWrite(t, filepath.Join(ui, "node_modules", ".package-lock.json"), "{}\n")
	mustWrite(t, filepath.Join(bin, "npm"), "#!/bin/sh\necho \"fake npm $*\"\nexit $FAKE_NPM_EXIT\n")
	if err := os.Chmod(filepath.Join(bin, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		npmExit string
		wantOK  bool
	}{{"1", true}, {"130", false}} {
		cmd := exec.Command("make", "--no-print-directory", "-C", root, "ui-fresh", "UI_DIR="+ui, "HAVE_NODE=1")
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKE_NPM_EXIT="+c.npmExit,
			"MAKEFLAGS=", "MAKELEVEL=")
		out, err := cmd.CombinedOutput()
		note := strings.Contains(string(out), "the UI did not build")
		if (err == nil) != c.wantOK || note != c.wantOK {
			t.Errorf("npm exits %s: make ui-fresh: %v, the note printed: %v, want success and the note: %v\n%s",
				c.npmExit, err, note, c.wantOK, out)
		}
	}
}
