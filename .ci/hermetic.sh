#!/usr/bin/env bash
# Runs its arguments without the variables a GitHub Actions runner gives a
# `run:` step (GITHUB_ACTIONS=true, the event's payload, the step's output
# and summary files, RUNNER_*): the tests must not take the event that
# triggered CI for their own, nor write the step's outputs. CI stays set.
set -euo pipefail
for v in $(compgen -e); do
	case $v in
	GITHUB_* | RUNNER_* | ACTIONS_* | INPUT_*) unset "$v" ;;
	esac
done
exec "$@"
