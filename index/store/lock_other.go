//go:build !unix

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// fileLock is an O_EXCL lock file. Without flock there is no portable way
// to tell whether the holder still lives, so a crashed writer's LOCK must be
// removed by hand; the error names the holder to make that decision easy.
type fileLock struct {
	path string
}

func acquireLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, lockedError(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create lock file: %w", err)
	}
	b, _ := json.Marshal(currentHolder())
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write lock file: %w", werr)
	}
	return &fileLock{path: path}, nil
}

func (l *fileLock) release() error {
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}
