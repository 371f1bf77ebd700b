package browser_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

var readmeScreenshot = flag.Bool("readme-screenshot", false, "write the desktop results page to docs/screenshot.png")

// What TestMain prepared for the tests: the base URL of a running
// "plenary serve" over the seed reports, and the browser to drive. When a
// prerequisite is missing, skipReason (outside CI) or failReason (in CI)
// says which.
var (
	site       *binarytest.Server
	chromium   string
	skipReason string
	failReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		if testing.Short() {
			skipReason = "browser tests are skipped in -short mode"
			return m.Run()
		}
		var missing []string
		chromium = findChromium()
		if chromium == "" {
			missing = append(missing, "no Chromium: set PLENARY_CHROMIUM or install the chromium package (bash .ci/run does)")
		}
		seeds := binarytest.FindShared(filepath.Join("corpus", "seeds"))
		if seeds == "" {
			missing = append(missing, "../shared/corpus/seeds not found beside the repository")
		}
		if p := os.Getenv("PLENARY_CHROMIUM"); p != "" && chromium == "" {
			// A browser that was asked for by name and is not there is a
			// configuration error, not a reason to skip.
			failReason = "PLENARY_CHROMIUM=" + p + " is not an executable"
			return m.Run()
		}
		if len(missing) > 0 {
			if inCI() {
				failReason = "CI=true but the browser tests cannot run: " + strings.Join(missing, "; ")
			} else {
				skipReason = strings.Join(missing, "; ")
			}
			return m.Run()
		}

		tmp, err := os.MkdirTemp("", "plenary-browser-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		bin := filepath.Join(tmp, "plenary")
		if err := binarytest.Build("github.com/plenary-search/plenary/cmd/plenary", bin, "browser"); err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		site, err = binarytest.StartServer(bin, "serve", "--data", filepath.Join(tmp, "data"), "--docs", seeds, "--addr", "127.0.0.1:0", "--reload-interval", "0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		code := m.Run()
		if err := site.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			code = 1
		}
		return code
	}())
}

// need skips or fails t when TestMain could not prepare the browser and
// the server.
func need(t *testing.T) {
	t.Helper()
	switch {
	case failReason != "":
		t.Fatal(failReason)
	case skipReason != "":
		t.Skip(skipReason)
	}
}

// inCI reports whether the CI variable is set to a true value, as CI
// services set it.
func inCI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// findChromium returns the browser to drive: PLENARY_CHROMIUM when set,
// else the first of the usual names on PATH, or "" when there is none.
func findChromium() string {
	if p := os.Getenv("PLENARY_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return ""
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}
