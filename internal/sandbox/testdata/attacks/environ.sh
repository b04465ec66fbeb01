# Class 10: the optimizer's environment and its ancestors', through /proc.
# $1 is a process started with a secret in its environment, $2 the
# optimizer's own pid.
cat /proc/$1/environ 2>&1
cat /proc/$2/environ 2>&1
cat /proc/$PPID/environ 2>&1
for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done
exit 0
