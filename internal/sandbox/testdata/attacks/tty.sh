# The terminal the optimizer was started from: read keystrokes, or push a
# command line into the shell's input (TIOCSTI), to run after the run.
if (exec 3<>/dev/tty) 2>/dev/null; then echo "terminal: opened"; else echo "terminal: none"; fi
exit 0
