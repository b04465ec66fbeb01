# Class 3: processes that try to outlive the command: a new session, a
# double fork, a process that ignores SIGTERM.
setsid sh -c 'sleep 3331' </dev/null >/dev/null 2>&1 &
( sh -c 'sleep 3332 </dev/null >/dev/null 2>&1 &' & )
sh -c 'trap "" TERM; sleep 3333' </dev/null >/dev/null 2>&1 &
exit 0
