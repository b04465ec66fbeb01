#!/usr/bin/env bash
# The sandbox's attack suite in the configurations users have, beside the
# root run of the main test command: as root with only Docker's default
# capabilities (what GitHub gives a Docker action: no CAP_SYS_ADMIN, so no
# namespaces), and as a non-root user (a `run:` step). The tests are built
# once, as root, and run from a directory every user can read.
set -euo pipefail
cd "$(dirname "$0")/.."

suite='^(TestAttack|TestStrictRefuses|TestModulesOutOfReach|TestPolicyPowers|TestChildSeesNoSecrets|TestRunEnvSetsOnlyConfigVars|TestChildRaceOptions|TestTimeoutKillsTheProcessGroup)'
work=$(mktemp -d /tmp/optimizer-attack-XXXXXX)
trap "rm -rf $work" EXIT
chmod 755 "$work"
for pkg in sandbox gitx validate; do
	mkdir -p "$work/$pkg"
	go test -c -o "$work/$pkg/$pkg.test" "./internal/$pkg"
	if [ -d "internal/$pkg/testdata" ]; then cp -r "internal/$pkg/testdata" "$work/$pkg/"; fi
done
chmod -R a+rX "$work"

docker_caps=-all,+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write
nonroot_home="$work/home"
mkdir -p "$nonroot_home" && chown 65534:65534 "$nonroot_home"

status=0
for mode in docker-caps non-root; do
	for pkg in sandbox gitx validate; do
		echo "== attack suite: $pkg as $mode"
		case $mode in
		docker-caps)
			run=(setpriv --bounding-set "$docker_caps" --inh-caps=-all --) ;;
		non-root)
			run=(env -i "PATH=$PATH" "HOME=$nonroot_home" "TMPDIR=/tmp" setpriv --reuid=65534 --regid=65534 --clear-groups --) ;;
		esac
		if ! (cd "$work/$pkg" && "${run[@]}" "./$pkg.test" -test.run "$suite" -test.count=1 -test.timeout=20m -test.v) > "$work/$pkg-$mode.log" 2>&1; then
			status=1
			tail -80 "$work/$pkg-$mode.log"
		fi
		grep -a -E '^(--- |ok|PASS|FAIL)' "$work/$pkg-$mode.log" | sed 's/^/   /'
	done
done
exit $status
