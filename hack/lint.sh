#!/usr/bin/env bash
# Lets tools hold what the code's comments promise. Run by the `lint` test tier.
#
#   hack/lint.sh shellcheck     every shell script in hack/, tests/ and .ci/, warnings and errors
#   hack/lint.sh clang-format   every C++ file is formatted as .clang-format says
#   hack/lint.sh test-names     no Catch2 test name holds ';': catch_discover_tests splits names
#                               there, and ctest then "passes" pieces that run nothing
#
# A missing tool is a failure, never a silent pass (hack/install-deps.sh installs both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need() {
  command -v "$1" >/dev/null || {
    echo "lint: $1 not found (hack/install-deps.sh installs it)" >&2
    exit 1
  }
}

case ${1:-} in
shellcheck)
  need shellcheck
  mapfile -t scripts < <(git ls-files -co --exclude-standard -- 'hack/*.sh' 'tests/*.sh' .ci/run)
  shellcheck -x -P SCRIPTDIR --severity=warning "${scripts[@]}"
  echo "lint: shellcheck: ${#scripts[@]} scripts clean"
  ;;
clang-format)
  need clang-format
  mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.cpp' '*.h')
  clang-format --dry-run --Werror "${sources[@]}"
  echo "lint: clang-format: ${#sources[@]} files formatted"
  ;;
test-names)
  mapfile -t tests < <(git ls-files -co --exclude-standard -- 'tests/*.cpp')
  # A name may continue over several string literals and lines: join each file first.
  bad=$(for file in "${tests[@]}"; do
    tr '\n' ' ' <"$file" | grep -oE 'TEST_CASE\( *("([^"\\]|\\.)*" *)+' | grep ';' | sed "s|^|$file: |" || true
  done)
  if [[ -n $bad ]]; then
    echo "lint: test names with ';' (ctest would count their pieces as passed):" >&2
    echo "$bad" >&2
    exit 1
  fi
  echo "lint: test-names: ${#tests[@]} test files, no name with ';'"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
