# Class 8: resource limits, and leftovers in shared temporary directories.
echo "procs $(ulimit -u) files $(ulimit -n) fsize $(ulimit -f) core $(ulimit -c)"
echo x > /dev/shm/optimizer-attack-$1 2>/dev/null
echo x > /tmp/optimizer-attack-$1 2>/dev/null
echo x > /var/tmp/optimizer-attack-$1 2>/dev/null
exit 0
