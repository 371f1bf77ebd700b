package clean

import (
	"strconv"
	"strings"
	"testing"
)

// bigReport repeats the furniture fixture, varied, to about n bytes.
func bigReport(b *testing.B, n int) string {
	b.Helper()
	base := readFixture(b, "furniture.txt") + "\n\n" + readFixture(b, "glued.txt")
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(strings.ReplaceAll(base, "meeting", "meeting"+strconv.Itoa(i)))
		sb.WriteString("\n\n")
	}
	return sb.String()
}

func BenchmarkBlocks(b *testing.B) {
	text := bigReport(b, 1<<20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Blocks(text)
	}
}

func BenchmarkRepair(b *testing.B) {
	text := bigReport(b, 1<<20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Repair(text)
	}
}

func BenchmarkSentences(b *testing.B) {
	text := bigReport(b, 1<<20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Sentences(text)
	}
}

func BenchmarkExtract(b *testing.B) {
	text := bigReport(b, 1<<20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Extract(text, Hint{})
	}
}
