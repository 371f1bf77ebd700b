// Package binarytest helps tests that run the real plenary binary: it
// builds it the way `make build` does and finds the shared test data that
// CI clones beside the repository.
package binarytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles the package pkg (an import path) into out as a static,
// trimmed binary with main.version set to version. The race detector stays
// on the test's side: the binary is what users run. It returns the build's
// output in the error when it fails.
func Build(pkg, out, version string) error {
	cmd := exec.Command(GoTool(), "build", "-trimpath", "-ldflags", "-X main.version="+version, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// GoTool is the go command that runs this test: the one on PATH, or the
// one in GOROOT when PATH has none.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// FindShared looks for the folder shared/rel in the parents of the working
// directory (in CI the repository is cloned with shared beside it) and
// returns its path, or "" when there is none.
func FindShared(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", rel)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
