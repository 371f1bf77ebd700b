package e2e_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

// TestLoad runs cmd/plenary-load against the real server for a few
// seconds: 8 clients mixing searches, result pages, report pages and
// similar-report lists, with not one error allowed. The 60-second run
// whose figures docs/performance.md reports is the same command with
// --duration 60s (see docs/reliability.md).
func TestLoad(t *testing.T) {
	need(t)
	tool := filepath.Join(t.TempDir(), "plenary-load")
	build := exec.Command(binarytest.GoTool(), "build", "-o", tool, "github.com/plenary-search/plenary/cmd/plenary-load")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build plenary-load: %v\n%s", err, out)
	}
	data := t.TempDir()
	paths := []string{seeds}
	questions := seeds
	if fmprc := binarytest.FindShared(filepath.Join("datasets", "fmprc_pressconf")); fmprc != "" {
		paths = append(paths, filepath.Join(fmprc, "corpus.jsonl"))
		questions = filepath.Join(fmprc, "corpus.jsonl")
	} else {
		t.Log("../shared/datasets/fmprc_pressconf not found: loading the seed reports only")
	}
	indexInto(t, data, paths...)
	srv := startServer(t, data)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "--url", srv.base, "--corpus", questions, "-c", "8", "--duration", "3s",
		"--warmup", "8", "--mix", "search=4,page=2,doc=2,similar=2", "--pid", strconv.Itoa(srv.Cmd.Process.Pid))
	cmd.Env = binarytest.CleanEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("plenary-load:\n%s", out)
	if err != nil {
		t.Fatalf("plenary-load: %v", err)
	}
	for _, re := range []string{
		`requests=[1-9]\d* concurrency=8 errors=0 `,
		`kind=search requests=[1-9]\d* errors=0 `,
		`kind=page requests=[1-9]\d* errors=0 `,
		`kind=doc requests=[1-9]\d* errors=0 `,
		`kind=similar requests=[1-9]\d* errors=0 `,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("plenary-load output lacks %q", re)
		}
	}
	srv.stop(t)
}
