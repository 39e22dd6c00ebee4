# shellcheck shell=bash disable=SC2034 # the scripts that source this use root
# Shared by tests/olm/*.sh: where the repository is, and what to do without a tool.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# ctest's SKIP_RETURN_CODE for these tests (tests/CMakeLists.txt).
SKIP=77

# need_tool PATH_OR_NAME HOW: a missing tool fails under CI=true (a check that cannot run must
# not count as passed), and is reported as skipped, never passed, elsewhere.
need_tool() {
  if [[ $1 == */* && -x $1 ]] || { [[ $1 != */* ]] && command -v "$1" >/dev/null; }; then
    return 0
  fi
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: $1 not found ($2)" >&2
    exit 1
  fi
  echo "SKIP: $1 not found ($2)" >&2
  exit "$SKIP"
}
