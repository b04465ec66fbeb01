// Package mix hashes numbers through rounds of multiply-xorshift mixing.
package mix

import "math/bits"

// Hasher hashes one number.
type Hasher interface {
	Hash(x uint64) uint64
}

// Rounds is the Hasher of four mixing rounds.
type Rounds struct{}

// Hash implements Hasher: rounds 0 to 3, in order.
func (Rounds) Hash(x uint64) uint64 {
	return Round(Round(Round(Round(x, 0), 1), 2), 3)
}

// Round applies round r of the mixing function to x.
func Round(x uint64, r int) uint64 {
	switch r {
	case 0:
		x ^= x >> 33
		x *= 0xff51afd7ed558ccd
	case 1:
		x ^= x >> 33
		x *= 0xc4ceb9fe1a85ec53
	case 2:
		x ^= x >> 30
		x *= 0xbf58476d1ce4e5b9
	case 3:
		x ^= x >> 27
		x *= 0x94d049bb133111eb
	case 4:
		x = bits.RotateLeft64(x, 17) * 0x9e3779b97f4a7c15
	case 5:
		x = bits.RotateLeft64(x, 31) * 0xc2b2ae3d27d4eb4f
	case 6:
		x ^= x >> 31
		x = bits.RotateLeft64(x, 27) + 0x165667b19e3779f9
	default:
		x ^= x >> 29
	}
	return x
}

// Sum hashes every value with h and adds the hashes.
func Sum(h Hasher, values []uint64) uint64 {
	var sum uint64
	for _, v := range values {
		sum += h.Hash(v)
	}
	return sum
}
