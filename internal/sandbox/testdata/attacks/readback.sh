# Class 4: files the optimizer reads back, replaced by what would hurt it.
# $1 is the temporary directory it will read cover.out, fifo.out and
# big.out from, $2 a pid whose environment holds a secret.
ln -sf "/proc/$2/environ" "$1/cover.out"
mkfifo "$1/fifo.out"
head -c 2000000 /dev/zero > "$1/big.out"
mkdir -p "$1/sub" && ln -s "/proc/$2" "$1/linkdir"
exit 0
