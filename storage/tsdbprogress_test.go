package storage

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
)

// TestMappedBlocksCountsOpenedBlocks: the progress log's "blocks loaded"
// counts the blocks whose index the process has mapped, and countBlocks
// the blocks on disk.
func TestMappedBlocksCountsOpenedBlocks(t *testing.T) {
	dir := t.TempDir()
	w, err := tsdb.NewBlockWriter(slog.New(slog.DiscardHandler), dir, int64(2*time.Hour/time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	app := w.Appender(context.Background())
	if _, err := app.Append(0, labels.FromStrings("__name__", "x"), 1000, 1); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if n := countBlocks(dir); n != 1 {
		t.Fatalf("countBlocks = %d, want 1", n)
	}
	if n := mappedBlocks(dir); n != 0 {
		t.Fatalf("mappedBlocks before open = %d, want 0", n)
	}
	db, err := tsdb.Open(dir, slog.New(slog.DiscardHandler), nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := mappedBlocks(dir); n != 1 {
		t.Fatalf("mappedBlocks after open = %d, want 1", n)
	}
}
