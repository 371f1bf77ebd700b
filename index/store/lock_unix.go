//go:build unix

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// fileLock is an flock(2) on the LOCK file. The kernel drops it when the
// holder dies, so a lock left by a crashed writer is never stale: the next
// writer simply gets it. The file's content only names the holder.
type fileLock struct {
	f *os.File
}

func acquireLock(path string) (*fileLock, error) {
	for range 3 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open lock file: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, lockedError(path)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The file may have been replaced between open and flock (someone
		// deleted it by hand); then our lock guards nothing, try again.
		if same, err := sameFile(f, path); err != nil || !same {
			f.Close()
			continue
		}
		b, _ := json.Marshal(currentHolder())
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt(b, 0)
		}
		return &fileLock{f: f}, nil
	}
	return nil, fmt.Errorf("lock %s: lock file keeps being replaced", path)
}

func sameFile(f *os.File, path string) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	pi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, pi), nil
}

func (l *fileLock) release() error {
	// Clear the holder before unlocking so nobody reads a stale name; the
	// file itself stays, since removing it would race with a new locker.
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}
