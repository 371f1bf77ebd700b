package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrLocked is matched (with errors.Is) by the [*LockedError] that
// [Store.Lock] returns when another writer holds the lock.
var ErrLocked = errors.New("data directory is locked by another writer")

// LockedError says who holds the writer lock.
type LockedError struct {
	Path string
	// Holder is who wrote the lock file; zero if it could not be read.
	Holder Holder
}

// Error names the lock file and its holder.
func (e *LockedError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("%s is held by another writer", e.Path)
	}
	return fmt.Sprintf("%s is held by %s", e.Path, e.Holder)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Holder says who holds a writer lock; it is written into the LOCK file so
// that a refused writer can name it.
type Holder struct {
	PID      int       `json:"pid"`
	Hostname string    `json:"hostname"`
	Started  time.Time `json:"started"`
}

// String describes the holder for error messages: "pid N on HOST since T".
func (h Holder) String() string {
	return fmt.Sprintf("pid %d on %s since %s", h.PID, h.Hostname, h.Started.Format(time.RFC3339))
}

func currentHolder() Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Hostname: host, Started: time.Now().UTC()}
}

func readHolder(path string) (Holder, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}, false
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return Holder{}, false
	}
	return h, true
}

func lockedError(path string) error {
	h, _ := readHolder(path)
	return &LockedError{Path: path, Holder: h}
}
