package mix

import "testing"

func TestSum(t *testing.T) {
	var h Rounds
	if got, want := Sum(h, []uint64{1, 2}), h.Hash(1)+h.Hash(2); got != want {
		t.Fatalf("Sum = %d, want %d", got, want)
	}
	if Round(0, 0) != 0 {
		t.Fatal("Round(0, 0) != 0")
	}
}

func BenchmarkSum(b *testing.B) {
	values := make([]uint64, 1024)
	for i := range values {
		values[i] = uint64(i)
	}
	for i := 0; i < b.N; i++ {
		Sum(Rounds{}, values)
	}
}
