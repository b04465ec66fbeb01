package stats

import "testing"

func TestClamp(t *testing.T) {
	for _, tc := range []struct{ v, lo, hi, want int }{
		{5, 0, 10, 5}, {-3, 0, 10, 0}, {42, 0, 10, 10},
	} {
		if got := Clamp(tc.v, tc.lo, tc.hi); got != tc.want {
			t.Errorf("Clamp(%d, %d, %d) = %d, want %d", tc.v, tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestLargest(t *testing.T) {
	if got := Largest([]int{3, 9, -1}); got != 9 {
		t.Errorf("Largest = %d, want 9", got)
	}
	if got := Largest([]int{-4, -2}); got != -2 {
		t.Errorf("Largest of negatives = %d, want -2", got)
	}
	if got := Largest(nil); got != 0 {
		t.Errorf("Largest(nil) = %d, want 0", got)
	}
}

func TestMerge(t *testing.T) {
	got := Merge(map[string]int{"a": 1, "b": 2}, map[string]int{"b": 3})
	if len(got) != 2 || got["a"] != 1 || got["b"] != 3 {
		t.Errorf("Merge = %v", got)
	}
}

func BenchmarkMerge(b *testing.B) {
	a := map[string]int{}
	for i := 0; i < 100; i++ {
		a[string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	for i := 0; i < b.N; i++ {
		Merge(a, a)
	}
}
