package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gomlxbackends "github.com/gomlx/gomlx/backends"
	// simplego is the pure-Go GoMLX backend hugot's "GO" runtime uses.
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	onnxgomlx "github.com/gomlx/onnx-gomlx/onnx"
	"github.com/knights-analytics/hugot/backends"
)

// backendConfig selects simplego with ops run one after another. Its
// default runs independent ops of one graph in parallel, and that scheduler
// reads buffer-ownership counters without synchronization (a data race
// reported by -race in gomlx v0.26.0). Matrix products, where the time
// goes, are still split across cores.
const backendConfig = "go:ops_sequential"

// loadGoMLX compiles the ONNX model into model.GoMLXModel, as hugot's
// createGoMLXModelBackend does but with backendConfig and the shape
// buckets given.
func loadGoMLX(model *backends.Model, onnxBytes []byte, batchBuckets, seqBuckets []int) error {
	parsed, err := onnxgomlx.Parse(onnxBytes)
	if err != nil {
		return fmt.Errorf("parse onnx: %w", err)
	}
	if err := loadExternalData(model.Path, parsed); err != nil {
		return err
	}
	var inputs, outputs []backends.InputOutputInfo
	for i, name := range parsed.InputsNames {
		inputs = append(inputs, backends.InputOutputInfo{Name: name, Dimensions: dims(parsed.InputsShapes[i].Dimensions)})
	}
	var outputNames []string
	for i, name := range parsed.OutputsNames {
		outputs = append(outputs, backends.InputOutputInfo{Name: name, Dimensions: dims(parsed.OutputsShapes[i].Dimensions)})
		outputNames = append(outputNames, name)
	}

	ctx := context.New().Reuse() // creating a variable would be a bug: fail
	if err := parsed.VariablesToContext(ctx); err != nil {
		return fmt.Errorf("load onnx weights: %w", err)
	}
	backend, err := gomlxbackends.NewWithConfig(backendConfig)
	if err != nil {
		return fmt.Errorf("start gomlx backend: %w", err)
	}
	call := func(ctx *context.Context, in []*graph.Node) []*graph.Node {
		named := make(map[string]*graph.Node, len(inputs))
		for i, meta := range inputs {
			named[meta.Name] = in[i]
		}
		return parsed.CallGraph(ctx, in[0].Graph(), named, outputNames...)
	}
	exec, err := context.NewExec(backend, ctx, call)
	if err != nil {
		backend.Finalize()
		return fmt.Errorf("compile onnx graph: %w", err)
	}
	maxCache := len(batchBuckets) * len(seqBuckets)
	exec.SetMaxCache(maxCache)
	model.GoMLXModel = &backends.GoMLXModel{
		Backend:         backend,
		OnnxModel:       parsed,
		Ctx:             ctx,
		Exec:            exec,
		Call:            call,
		MaxCache:        maxCache,
		BatchBuckets:    batchBuckets,
		SequenceBuckets: seqBuckets,
		Destroy: func() {
			exec.Finalize()
			ctx.Finalize()
			backend.Finalize()
		},
	}
	model.InputsMeta = inputs
	model.OutputsMeta = outputs
	return nil
}

func dims(d []int) []int64 {
	out := make([]int64, len(d))
	for i, x := range d {
		out[i] = int64(x)
	}
	return out
}

// loadExternalData reads weights that large exports keep outside the ONNX
// file (model.onnx_data), relative to the model's folder.
func loadExternalData(dir string, m *onnxgomlx.Model) error {
	files := map[string][]byte{}
	for _, t := range m.Proto.Graph.Initializer {
		if t.DataLocation != 1 { // EXTERNAL
			continue
		}
		location, offset, length := "", int64(0), int64(-1)
		for _, e := range t.ExternalData {
			var err error
			switch e.Key {
			case "location":
				location = e.Value
			case "offset":
				offset, err = strconv.ParseInt(e.Value, 10, 64)
			case "length":
				length, err = strconv.ParseInt(e.Value, 10, 64)
			}
			if err != nil {
				return fmt.Errorf("onnx tensor %s: bad external data %s: %w", t.Name, e.Key, err)
			}
		}
		// The location must stay inside the model folder.
		if location == "" || filepath.IsAbs(location) || strings.Contains(location, "..") {
			return fmt.Errorf("onnx tensor %s: external data location %q is not a file in the model folder", t.Name, location)
		}
		data, ok := files[location]
		if !ok {
			var err error
			if data, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(location))); err != nil {
				return fmt.Errorf("read onnx external data: %w", err)
			}
			files[location] = data
		}
		end := int64(len(data))
		if length >= 0 {
			end = offset + length
		}
		if offset < 0 || end > int64(len(data)) || offset > end {
			return fmt.Errorf("onnx tensor %s: external data range %d..%d outside %s (%d bytes)", t.Name, offset, end, location, len(data))
		}
		t.RawData = data[offset:end]
	}
	return nil
}
