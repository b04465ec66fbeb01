// Command checksum prints a checksum of the numbers 0..n-1.
package main

import (
	"fmt"
	"os"
	"strconv"

	"example.com/checksum/internal/mix"
)

// checksum hashes values with the default rounds and adds the hashes.
func checksum(values []uint64) uint64 {
	return mix.Sum(mix.Rounds{}, values)
}

func main() {
	n := 1 << 20
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	values := make([]uint64, n)
	for i := range values {
		values[i] = uint64(i)
	}
	fmt.Println(checksum(values))
}
