# Class 5: one identity for everything. A candidate tries the base's
# files, the shared build cache and the base's processes. $1 is a file of
# the base's, $2 the shared build cache, $3 a pid of the base's.
id -u
echo forged > "$1" 2>&1 || echo "write base: denied"
mkdir -p "$2/ff" 2>&1 && echo forged > "$2/ff/forged-a" 2>&1 || echo "write cache: denied"
kill -9 "$3" 2>&1 || echo "kill base: denied"
exit 0
