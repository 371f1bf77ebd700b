//go:build ort

package onnx

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/knights-analytics/hugot/backends"
	ort "github.com/yalue/onnxruntime_go"
)

// ORTCompiled reports whether this binary can use ONNX Runtime (it was
// built with -tags ort, see make build-ort).
const ORTCompiled = true

// ortEnv guards ONNX Runtime's environment, which the C library keeps
// once per process: it is loaded from one library path, on first use,
// and lives until the process exits. This is the one piece of package
// state, forced by the library.
var ortEnv struct {
	sync.Mutex
	lib string // the library the environment was initialized with
}

func initORT(lib string) error {
	ortEnv.Lock()
	defer ortEnv.Unlock()
	if lib == "" {
		lib = "libonnxruntime.so"
	}
	if ort.IsInitialized() {
		if lib != ortEnv.lib {
			return fmt.Errorf("ONNX Runtime is already loaded from %s, cannot also load %s", ortEnv.lib, lib)
		}
		return nil
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("load ONNX Runtime from %s (set PLENARY_ORT_LIBRARY to the path of libonnxruntime.so): %w", lib, err)
	}
	ortEnv.lib = lib
	if err := ort.DisableTelemetry(); err != nil {
		return fmt.Errorf("disable ONNX Runtime telemetry: %w", err)
	}
	return nil
}

// ortInput says which tokenizer field feeds one input of the network.
type ortInput struct {
	name  string
	kind  int // ortIDs, ortMask or ortTypes
	int32 bool
}

const (
	ortIDs = iota
	ortMask
	ortTypes
)

// ortSession runs a model with ONNX Runtime. Its methods are called with
// the Model's lock held.
type ortSession struct {
	sess    *ort.DynamicAdvancedSession
	in      []ortInput
	inputs  []backends.InputOutputInfo
	outputs []backends.InputOutputInfo
}

// openORT loads ONNX Runtime from lib, if not yet loaded, and creates a
// session for the model file, using every core for each operation. It
// returns an error if the library cannot be loaded, the model cannot be
// read, or the model has inputs other than token IDs, attention mask and
// token types.
func openORT(onnxPath, lib string) (_ *ortSession, err error) {
	if err := initORT(lib); err != nil {
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("create ONNX Runtime session options: %w", err)
	}
	defer opts.Destroy()
	// One forward pass at a time (the Model serializes them), each using
	// every core.
	if err := opts.SetIntraOpNumThreads(runtime.NumCPU()); err != nil {
		return nil, fmt.Errorf("set ONNX Runtime threads: %w", err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("set ONNX Runtime threads: %w", err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, fmt.Errorf("set ONNX Runtime optimization level: %w", err)
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(onnxPath, opts)
	if err != nil {
		return nil, fmt.Errorf("read onnx inputs and outputs: %w", err)
	}
	s := &ortSession{}
	var inNames, outNames []string
	for _, in := range ins {
		oi := ortInput{name: in.Name}
		switch n := strings.ToLower(in.Name); {
		case strings.Contains(n, "input_ids"):
			oi.kind = ortIDs
		case strings.Contains(n, "attention_mask"):
			oi.kind = ortMask
		case strings.Contains(n, "token_type_ids"):
			oi.kind = ortTypes
		default:
			return nil, fmt.Errorf("onnx input %q is not input_ids, attention_mask or token_type_ids", in.Name)
		}
		switch in.DataType {
		case ort.TensorElementDataTypeInt64:
		case ort.TensorElementDataTypeInt32:
			oi.int32 = true
		default:
			return nil, fmt.Errorf("onnx input %q has element type %v, want int64 or int32", in.Name, in.DataType)
		}
		s.in = append(s.in, oi)
		inNames = append(inNames, in.Name)
		s.inputs = append(s.inputs, backends.InputOutputInfo{Name: in.Name, Dimensions: []int64(in.Dimensions)})
	}
	for _, out := range outs {
		outNames = append(outNames, out.Name)
		s.outputs = append(s.outputs, backends.InputOutputInfo{Name: out.Name, Dimensions: []int64(out.Dimensions)})
	}
	if len(inNames) == 0 || len(outNames) == 0 {
		return nil, errors.New("onnx model has no inputs or no outputs")
	}
	if s.sess, err = ort.NewDynamicAdvancedSession(onnxPath, inNames, outNames, opts); err != nil {
		return nil, fmt.Errorf("create ONNX Runtime session: %w", err)
	}
	return s, nil
}

// run feeds the batch, padded to maxSeq, and returns output outIndex as
// hugot's GoMLX path does: [][]float32 for a sentence-level output, or
// [][][]float32 holding each text's own tokens, padding dropped.
func (s *ortSession) run(inputs []backends.TokenizedInput, maxSeq, outIndex int) (any, error) {
	if outIndex < 0 || outIndex >= len(s.outputs) {
		return nil, fmt.Errorf("onnx model has %d outputs, want output %d", len(s.outputs), outIndex)
	}
	batch := len(inputs)
	shape := ort.NewShape(int64(batch), int64(maxSeq))
	values := make([]ort.Value, len(s.in))
	defer func() {
		for _, v := range values {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for k, in := range s.in {
		field := func(ti backends.TokenizedInput) []uint32 {
			switch in.kind {
			case ortMask:
				return ti.AttentionMask
			case ortTypes:
				return ti.TypeIDs
			}
			return ti.TokenIDs
		}
		var err error
		if in.int32 {
			data := make([]int32, batch*maxSeq)
			for i, ti := range inputs {
				for j, x := range field(ti) {
					data[i*maxSeq+j] = int32(x)
				}
			}
			values[k], err = ort.NewTensor(shape, data)
		} else {
			data := make([]int64, batch*maxSeq)
			for i, ti := range inputs {
				for j, x := range field(ti) {
					data[i*maxSeq+j] = int64(x)
				}
			}
			values[k], err = ort.NewTensor(shape, data)
		}
		if err != nil {
			return nil, fmt.Errorf("create input tensor %s: %w", in.name, err)
		}
	}
	outs := make([]ort.Value, len(s.outputs))
	if err := s.sess.Run(values, outs); err != nil {
		return nil, err
	}
	defer func() {
		for _, v := range outs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	t, ok := outs[outIndex].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("onnx output %s is %T, want a float32 tensor", s.outputs[outIndex].Name, outs[outIndex])
	}
	data, dims := t.GetData(), t.GetShape()
	switch len(dims) {
	case 2:
		if dims[0] != int64(batch) || dims[1] <= 0 || int64(len(data)) != dims[0]*dims[1] {
			return nil, fmt.Errorf("onnx output has shape %v for %d texts", dims, batch)
		}
		dim := int(dims[1])
		out := make([][]float32, batch)
		for i := range out {
			out[i] = append([]float32(nil), data[i*dim:(i+1)*dim]...)
		}
		return out, nil
	case 3:
		if dims[0] != int64(batch) || dims[1] != int64(maxSeq) || dims[2] <= 0 || int64(len(data)) != dims[0]*dims[1]*dims[2] {
			return nil, fmt.Errorf("onnx output has shape %v for %d texts of %d tokens", dims, batch, maxSeq)
		}
		dim := int(dims[2])
		out := make([][][]float32, batch)
		for i, ti := range inputs {
			toks := make([][]float32, len(ti.TokenIDs))
			for j := range toks {
				off := (i*maxSeq + j) * dim
				toks[j] = append([]float32(nil), data[off:off+dim]...)
			}
			out[i] = toks
		}
		return out, nil
	}
	return nil, fmt.Errorf("onnx output has shape %v, want [batch, dim] or [batch, seq, dim]", dims)
}

func (s *ortSession) close() {
	if s.sess != nil {
		s.sess.Destroy()
		s.sess = nil
	}
}
