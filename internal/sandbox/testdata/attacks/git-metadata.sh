# Class 1: git metadata. $1 is the repository whose config holds a token.
# The tree has no .git to replace; the repository's own is tried by path,
# and a .git of the attacker's is planted for a git run that never comes.
ls -a
cat "$1/.git/config" 2>&1
mkdir -p .git/hooks && printf '#!/bin/sh\ntouch %s\n' "$2" > .git/hooks/post-checkout
printf '[core]\n\tfsmonitor = touch %s\n' "$2" > .git/config
printf '[core]\n\tfsmonitor = touch %s\n' "$2" >> "$1/.git/config" 2>&1
exit 0
