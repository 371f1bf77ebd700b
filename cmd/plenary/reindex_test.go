package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/embed/onnx/onnxtest"
	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web"
)

var reindexRE = regexp.MustCompile(`reindexed: from=(\S+) to=(\S+) spec=(\S+) documents=(\d+) passages=(\d+) fitted=(true|false) duration=\S+ passages/s=[\d.]+`)

func searchIDs(t *testing.T, ctx context.Context, env map[string]string, args ...string) []string {
	t.Helper()
	stdout, stderr, err := cli(t, ctx, env, append([]string{"search", "--json", "--mode", "vector"}, args...)...)
	if err != nil {
		t.Fatalf("search %v: %v\n%s", args, err, stderr)
	}
	var resp web.SearchResponse
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("search %v: %v\n%s", args, err, stdout)
	}
	var ids []string
	for _, r := range resp.Results {
		ids = append(ids, r.PassageID)
	}
	if len(ids) == 0 {
		t.Fatalf("search %v found nothing", args)
	}
	return ids
}

func TestRunReindex(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	env := map[string]string{envData: data}
	if _, stderr, err := cli(t, ctx, env, "index", copyFixtures(t)); err != nil {
		t.Fatalf("index: %v\n%s", err, stderr)
	}
	before, err := index.ReadInfo(data)
	if err != nil || before.Spec != "builtin" {
		t.Fatalf("built-in index records %+v (err %v)", before, err)
	}
	builtinHits := searchIDs(t, ctx, env, "panda")

	model := filepath.Join(t.TempDir(), "toy")
	if err := onnxtest.WriteToy(model, 1); err != nil {
		t.Fatal(err)
	}
	toySpec := "onnx:" + model
	stdout, stderr, err := cli(t, ctx, env, "reindex", "--embedder", toySpec)
	if err != nil {
		t.Fatalf("reindex to %s: %v\n%s", toySpec, err, stderr)
	}
	m := reindexRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no reindex summary in:\n%s", stdout)
	}
	if m[1] != before.Embedder || !strings.HasPrefix(m[2], "onnx:toy@") || m[3] != toySpec || m[6] != "false" {
		t.Errorf("summary %q", m[0])
	}
	after, err := index.ReadInfo(data)
	if err != nil || after.Spec != toySpec || after.Dim != onnxtest.ToyHidden || after.Passages != before.Passages {
		t.Fatalf("after reindex the index records %+v (err %v)", after, err)
	}

	// search, serve's open and index read the model from the index now.
	searchIDs(t, ctx, env, "panda")
	if _, stderr, err := cli(t, ctx, env, "index", copyFixtures(t)); err != nil {
		t.Fatalf("index after reindex: %v\n%s", err, stderr)
	}
	_, _, err = cli(t, ctx, env, "search", "--embedder", "builtin", "panda")
	if !errors.Is(err, index.ErrEmbedderMismatch) || !strings.Contains(err.Error(), "plenary reindex") {
		t.Fatalf("search with the old embedder: err = %v, want a mismatch that suggests reindex", err)
	}

	// And back to the built-in model, which is fitted again.
	stdout, stderr, err = cli(t, ctx, env, "reindex", "--embedder", "builtin")
	if err != nil {
		t.Fatalf("reindex back: %v\n%s", err, stderr)
	}
	if m = reindexRE.FindStringSubmatch(stdout); m == nil || m[2] != before.Embedder || m[6] != "true" {
		t.Fatalf("reindex back summary:\n%s", stdout)
	}
	if got := searchIDs(t, ctx, env, "panda"); strings.Join(got, " ") != strings.Join(builtinHits, " ") {
		t.Errorf("after the round trip search finds %v, want %v", got, builtinHits)
	}
}

func TestRunReindexRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		args    []string
		usage   bool
		wantErr string
	}{
		{name: "no embedder", args: []string{"reindex"}, usage: true, wantErr: "no --embedder"},
		{name: "argument", args: []string{"reindex", "--embedder", "builtin", "extra"}, usage: true, wantErr: "unexpected argument"},
		{name: "no index", args: []string{"reindex", "--embedder", "builtin"}, wantErr: "no index in"},
		{name: "unknown spec", args: []string{"reindex", "--embedder", "telepathy:x"}, wantErr: "no index in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := cli(t, ctx, map[string]string{envData: t.TempDir()}, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) != tt.usage {
				t.Errorf("err = %v, usage error %v, want %v", err, errors.Is(err, errUsage), tt.usage)
			}
			if !strings.Contains(err.Error()+stderr, tt.wantErr) {
				t.Errorf("err = %v, stderr %q; want %q", err, stderr, tt.wantErr)
			}
		})
	}

	data := t.TempDir()
	if _, stderr, err := cli(t, ctx, map[string]string{envData: data}, "index", copyFixtures(t)); err != nil {
		t.Fatalf("index: %v\n%s", err, stderr)
	}
	before, err := index.ReadInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = cli(t, ctx, map[string]string{envData: data}, "reindex", "--embedder", "onnx:"+filepath.Join(t.TempDir(), "missing"))
	if err == nil {
		t.Fatal("reindex with a missing model folder succeeded")
	}
	if after, _ := index.ReadInfo(data); after != before {
		t.Fatalf("a failed reindex changed the index: %+v, want %+v", after, before)
	}
}
