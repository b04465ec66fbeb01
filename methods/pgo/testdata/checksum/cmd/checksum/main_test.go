package main

import "testing"

func TestChecksum(t *testing.T) {
	if checksum(nil) != 0 {
		t.Fatal("checksum(nil) != 0")
	}
}

func BenchmarkChecksum(b *testing.B) {
	values := make([]uint64, 4096)
	for i := range values {
		values[i] = uint64(i)
	}
	for i := 0; i < b.N; i++ {
		checksum(values)
	}
}
