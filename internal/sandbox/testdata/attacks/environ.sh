# Class 10: the optimizer's environment and its ancestors', through /proc.
# $1 is a process started with a secret in its environment, $2 the
# optimizer's own pid. $1 also keeps the token open as fd 3, in a file of
# its working directory; /proc/<pid>/root leads to the same file.
cat /proc/$1/environ 2>&1
cat /proc/$2/environ 2>&1
cat /proc/$PPID/environ 2>&1
for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done
cat /proc/$1/fd/3 2>&1
cat /proc/$1/cwd/token 2>&1
cat "/proc/$1/root$(readlink /proc/$1/cwd)/token" 2>&1
cat /proc/$1/mem 2>&1 | head -c 100
ls /proc/$1/fd /proc/$1/map_files 2>&1
exit 0
