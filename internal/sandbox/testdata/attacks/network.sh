# Network: a service of the machine's (a kubo API, a metadata endpoint)
# on a port outside the ephemeral range. $1 is its port.
if (echo probe > /dev/tcp/127.0.0.1/$1) 2>/dev/null; then echo "connected"; else echo "refused"; fi
exit 0
