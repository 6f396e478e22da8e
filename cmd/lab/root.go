package main

import (
	"errors"
	"os"
	"path/filepath"
)

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
