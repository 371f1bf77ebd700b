package onnx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Pooling modes, as sentence-transformers names them in 1_Pooling/config.json.
const (
	PoolMean = "mean"
	PoolCLS  = "cls"
	PoolMax  = "max"
	PoolLast = "last"
)

// folder is what Open learns from a sentence-transformers model folder.
type folder struct {
	onnxPath     string // absolute path of the ONNX file
	onnxName     string // its base name, for hugot
	pooling      string
	normalize    bool // a Normalize module is listed in modules.json
	maxSeqLength int  // sentence_bert_config.json, 0 if absent
	maxPositions int  // config.json max_position_embeddings, 0 if absent
	padToken     int64
	nameOrPath   string
}

// readFolder locates the ONNX file (onnx/model.onnx preferred over
// model.onnx, as the Hugging Face repositories of sentence-transformers lay
// them out) and reads the optional configuration files.
func readFolder(dir string) (folder, error) {
	var f folder
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		return f, fmt.Errorf("model folder %s has no tokenizer.json: %w", dir, err)
	}
	for _, rel := range []string{"onnx/model.onnx", "model.onnx"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			f.onnxPath = p
			break
		}
	}
	if f.onnxPath == "" {
		return f, fmt.Errorf("model folder %s has neither onnx/model.onnx nor model.onnx: %w", dir, fs.ErrNotExist)
	}
	f.onnxName = filepath.Base(f.onnxPath)

	var cfg struct {
		MaxPositionEmbeddings int    `json:"max_position_embeddings"`
		NameOrPath            string `json:"_name_or_path"`
		PadTokenID            int64  `json:"pad_token_id"`
	}
	if err := readJSON(filepath.Join(dir, "config.json"), &cfg); err != nil {
		return f, err
	}
	f.maxPositions = cfg.MaxPositionEmbeddings
	f.nameOrPath = cfg.NameOrPath
	f.padToken = cfg.PadTokenID

	var st struct {
		MaxSeqLength int `json:"max_seq_length"`
	}
	if err := readJSON(filepath.Join(dir, "sentence_bert_config.json"), &st); err != nil {
		return f, err
	}
	f.maxSeqLength = st.MaxSeqLength

	var pool struct {
		CLS      bool `json:"pooling_mode_cls_token"`
		Mean     bool `json:"pooling_mode_mean_tokens"`
		Max      bool `json:"pooling_mode_max_tokens"`
		MeanSqrt bool `json:"pooling_mode_mean_sqrt_len_tokens"`
		Last     bool `json:"pooling_mode_lasttoken"`
	}
	if err := readJSON(filepath.Join(dir, "1_Pooling", "config.json"), &pool); err != nil {
		return f, err
	}
	switch {
	case pool.CLS:
		f.pooling = PoolCLS
	case pool.Max:
		f.pooling = PoolMax
	case pool.Last:
		f.pooling = PoolLast
	default:
		// mean_sqrt_len differs from mean only by a per-text scale, which
		// L2 normalization removes.
		f.pooling = PoolMean
	}

	var modules []struct {
		Type string `json:"type"`
	}
	if err := readJSON(filepath.Join(dir, "modules.json"), &modules); err != nil {
		return f, err
	}
	for _, m := range modules {
		if strings.HasSuffix(m.Type, ".Normalize") {
			f.normalize = true
		}
	}
	return f, nil
}

// readJSON decodes path into v; a missing file leaves v unchanged.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// Prefix families: the conventions of models trained with instructions.
const (
	FamilyNone  = "none"
	FamilyE5    = "e5"
	FamilyBGE   = "bge"
	FamilyNomic = "nomic"
)

var e5Name = regexp.MustCompile(`(^|[-_/ ])e5([-_/ ]|$)`)

// DetectFamily guesses a model's prefix convention from its names (folder,
// repository or model name): FamilyNomic, FamilyBGE, FamilyE5 or
// FamilyNone.
func DetectFamily(names ...string) string {
	for _, n := range names {
		n = strings.ToLower(n)
		switch {
		case strings.Contains(n, "nomic"):
			return FamilyNomic
		case strings.Contains(n, "bge"):
			return FamilyBGE
		case e5Name.MatchString(n):
			return FamilyE5
		}
	}
	return FamilyNone
}

// FamilyPrefixes returns what is put before queries and passages for a
// family. It returns an error for an unknown family.
func FamilyPrefixes(family string) (query, passage string, err error) {
	switch family {
	case FamilyNone, "":
		return "", "", nil
	case FamilyE5:
		return "query: ", "passage: ", nil
	case FamilyBGE:
		return "Represent this sentence for searching relevant passages: ", "", nil
	case FamilyNomic:
		return "search_query: ", "search_document: ", nil
	}
	return "", "", fmt.Errorf("unknown model family %q (want e5, bge, nomic or none)", family)
}
