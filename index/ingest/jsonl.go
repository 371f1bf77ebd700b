package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// jsonLine is one JSONL record. The ID may be a string or a number; "_id"
// is read when "id" is absent (older BEIR files).
type jsonLine struct {
	ID     json.RawMessage `json:"id"`
	AltID  json.RawMessage `json:"_id"`
	Title  string          `json:"title"`
	Text   string          `json:"text"`
	Date   string          `json:"date"`
	URL    string          `json:"url"`
	Source string          `json:"source"`
}

// errLineTooLong marks a line longer than the limit; the rest of it has
// been discarded.
var errLineTooLong = errors.New("line too long")

// readLine reads one line of at most limit bytes, without its "\n".
func readLine(r *bufio.Reader, limit int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if int64(len(line)+len(chunk)) > limit+1 {
			// Discard the rest of the line.
			for err == bufio.ErrBufferFull {
				_, err = r.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch err {
		case nil:
			return line[:len(line)-1], nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(line) == 0 {
				return nil, io.EOF
			}
			return line, nil
		default:
			return nil, err
		}
	}
}

// readJSONL delivers one document per line of a JSONL file. A line that is
// too long, not a JSON object, or lacks an id or text is a Problem with
// its line number; the other lines are still read.
func (w *walker) readJSONL(ctx context.Context, root string, f fileRef) error {
	fh, err := os.Open(f.path)
	if err != nil {
		w.problem(Problem{Path: f.path, Err: err})
		return nil
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 256<<10)
	delivered := 0
	for n := 1; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := readLine(r, w.opts.MaxFileSize)
		switch {
		case err == io.EOF:
			if delivered == 0 && n == 1 {
				w.problem(Problem{Path: f.path, Err: ErrEmpty})
			}
			return nil
		case errors.Is(err, errLineTooLong):
			w.problem(Problem{Path: f.path, Line: n, Err: fmt.Errorf("%w: line longer than %d bytes", ErrTooLarge, w.opts.MaxFileSize)})
			continue
		case err != nil:
			w.problem(Problem{Path: f.path, Line: n, Err: err})
			return nil
		}
		if n == 1 {
			line = []byte(strings.TrimPrefix(string(line), "\uFEFF"))
		}
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		doc, err := parseLine(line)
		if err != nil {
			w.problem(Problem{Path: f.path, Line: n, Err: err})
			continue
		}
		doc.Root, doc.Path = root, f.path
		delivered++
		if err := w.deliver(doc, n); err != nil {
			return err
		}
	}
}

// parseLine decodes one JSONL record into a Doc without Root and Path.
func parseLine(line []byte) (Doc, error) {
	if err := checkText(line); err != nil {
		return Doc{}, err
	}
	var rec jsonLine
	if err := json.Unmarshal(line, &rec); err != nil {
		return Doc{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	raw := rec.ID
	if len(raw) == 0 || string(raw) == "null" {
		raw = rec.AltID
	}
	id, err := idString(raw)
	if err != nil {
		return Doc{}, err
	}
	text := strings.ToValidUTF8(normalizeNewlines(rec.Text), "\uFFFD")
	if strings.TrimSpace(text) == "" {
		return Doc{}, fmt.Errorf("%w: %q has an empty \"text\"", ErrEmpty, id)
	}
	return Doc{
		ID:     id,
		Format: "jsonl",
		Title:  strings.TrimSpace(rec.Title),
		Text:   text,
		Date:   strings.TrimSpace(rec.Date),
		URL:    strings.TrimSpace(rec.URL),
		Source: strings.TrimSpace(rec.Source),
	}, nil
}

// idString reads a string or number ID.
func idString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("%w: no \"id\"", ErrBadLine)
	}
	var id string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", fmt.Errorf("%w: bad \"id\": %v", ErrBadLine, err)
		}
	} else {
		var num json.Number
		if err := json.Unmarshal(raw, &num); err != nil {
			return "", fmt.Errorf("%w: \"id\" is neither a string nor a number", ErrBadLine)
		}
		if _, err := strconv.ParseFloat(num.String(), 64); err != nil {
			return "", fmt.Errorf("%w: bad \"id\" %s", ErrBadLine, num)
		}
		id = num.String()
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return "", fmt.Errorf("%w: empty \"id\"", ErrBadLine)
	}
	return id, nil
}
