//go:build !ort

package onnx

import (
	"errors"

	"github.com/knights-analytics/hugot/backends"
)

// ORTCompiled reports whether this binary can use ONNX Runtime (it was
// built with -tags ort, see make build-ort).
const ORTCompiled = false

// errNoORT is returned when ONNX Runtime is asked for in a pure-Go build.
var errNoORT = errors.New("this plenary was built without ONNX Runtime support (build it with make build-ort)")

// ortSession stands in for the ONNX Runtime session of -tags ort builds;
// openORT never returns one.
type ortSession struct {
	inputs, outputs []backends.InputOutputInfo
}

func openORT(string, string) (*ortSession, error) { return nil, errNoORT }

func (*ortSession) run([]backends.TokenizedInput, int, int) (any, error) { return nil, errNoORT }

func (*ortSession) close() {}
