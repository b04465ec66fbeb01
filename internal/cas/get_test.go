package cas_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/cas"
)

func TestGetReadsBackWhatPutStored(t *testing.T) {
	dir := t.TempDir()
	for i, size := range []int{0, 11, chunk + 1, 2<<20 + 5} {
		for _, version := range []int{0, 1} {
			data := content(i, size)
			c, err := cas.Put(dir, data, version)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cas.Get(dir, c)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("Get(%s) (%d bytes, v%d): %v, equal %v", c, size, version, err, bytes.Equal(got, data))
			}
		}
	}
	c, err := cas.Put(dir, []byte("hello world"), 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, c+".car")
	car, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(car, []byte("hello"), []byte("jello"), 1), 0o644)
	if _, err := cas.Get(dir, c); !errors.Is(err, cas.ErrMismatch) {
		t.Fatalf("Get of a tampered CAR: %v, want ErrMismatch", err)
	}
	if _, err := cas.Get(dir, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Get of a missing CAR: %v, want fs.ErrNotExist", err)
	}
}
