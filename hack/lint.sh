#!/usr/bin/env bash
# Lets tools hold what the code's comments promise. Run by the `lint` test tier.
#
#   hack/lint.sh shellcheck     every shell script in hack/, tests/ and .ci/, warnings and errors
#   hack/lint.sh clang-format   every C++ file is formatted as .clang-format says
#   hack/lint.sh test-names     no Catch2 test name holds ';': catch_discover_tests splits names
#                               there, and ctest then "passes" pieces that run nothing
#   hack/lint.sh helm-chart     helm/registry-operator passes `helm lint --strict`, and renders
#                               the RBAC its values promise: one ClusterRole for all namespaces,
#                               Roles per watched namespace and a cluster-scoped rest otherwise
#
# A missing tool is a failure, never a silent pass (hack/install-deps.sh installs shellcheck and
# clang-format; hack/build-upstream.sh helm builds helm, which hack/helm-bin.sh does when it is
# missing, except under CI=true).
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
helm-chart)
  source hack/helm-bin.sh # sets HELM
  chart=helm/registry-operator
  work=$(mktemp -d /tmp/lint-helm.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  bad() {
    echo "lint: helm-chart: $*" >&2
    exit 1
  }
  watched=(--set 'watchNamespaces={a,b}' --set metrics.serviceMonitor.enabled=true)
  "$HELM" lint --strict "$chart"
  "$HELM" lint --strict "$chart" "${watched[@]}"
  render() { "$HELM" template registry-operator "$chart" --namespace registry-operator-system "$@"; }
  # setting FILE NAME VALUE: the rendered Deployment sets REGISTRY_OPERATOR_NAME to VALUE.
  setting() { grep -A1 -- "- name: REGISTRY_OPERATOR_$2\$" "$1" | grep -q "value: \"$3\"\$"; }
  render >"$work/all.yaml"
  render "${watched[@]}" >"$work/watched.yaml"
  # doc FILE KIND NAME [NAMESPACE]: the rendered object of that kind, name and namespace (none:
  # cluster-scoped or the release's), by the chart's own layout: top-level `kind:`, two-space
  # `name:`/`namespace:` under metadata.
  doc() {
    awk -v kind="$2" -v name="$3" -v ns="${4:-}" '
      function flush() { if (k == kind && n == name && (ns == "" || s == ns)) printf "%s", text }
      /^---$/ { flush(); text = k = n = s = ""; inmeta = 0; next }
      { text = text $0 "\n" }
      /^kind: / { k = $2 }
      /^metadata:/ { inmeta = 1; next }
      /^[^ #]/ { inmeta = 0 }
      inmeta && /^  name: / { n = $2 }
      inmeta && /^  namespace: / { s = $2 }
      END { flush() }' "$1"
  }
  # rules: the rules of an object on stdin, one line per rule (comments dropped), sorted.
  rules() {
    awk '/^rules:/ { on = 1; next } /^[^ #]/ { on = 0 } on && /^ *#/ { next }
      on && /^  - / { if (r != "") print r; r = $0; next } on && /^    / { r = r " " $0 }
      END { if (r != "") print r }' | sed 's/  */ /g' | sort
  }
  count() { grep -c "^kind: $2\$" "$1" || true; }
  # All namespaces: everything in the one ClusterRole, no Role but the leader election's, no
  # ServiceMonitor, and no Namespace (Helm makes it, or kubectl: namespace.create is false).
  doc "$work/all.yaml" ClusterRole registry-operator | rules >"$work/all.rules"
  grep -q 'resources: \[secrets,' "$work/all.rules" || bad "the ClusterRole lacks the namespaced rules"
  grep -q 'resources: \[repositories\]' "$work/all.rules" || bad "the ClusterRole lacks repositories"
  [[ $(count "$work/all.yaml" Role) == 1 ]] || bad "Roles other than the leader election's by default"
  [[ $(count "$work/all.yaml" ServiceMonitor) == 0 ]] || bad "a ServiceMonitor by default"
  [[ $(count "$work/all.yaml" Namespace) == 0 ]] || bad "a Namespace by default"
  grep -q -- 'REGISTRY_OPERATOR_NAMESPACE' "$work/all.yaml" && bad "a namespace setting by default"
  # Watched namespaces: a Role and RoleBinding in each, the ClusterRole keeps only what is
  # cluster-scoped, and together they grant exactly what the one ClusterRole does.
  doc "$work/watched.yaml" ClusterRole registry-operator | rules >"$work/cluster.rules"
  grep -q 'resources: \[secrets,' "$work/cluster.rules" && bad "namespaced rules in the watched ClusterRole"
  [[ $(wc -l <"$work/cluster.rules") == 3 ]] ||
    bad "the watched ClusterRole should hold 3 rules (clusterroles x2, repositories), not: $(cat "$work/cluster.rules")"
  for ns in a b; do
    doc "$work/watched.yaml" Role registry-operator "$ns" | rules >"$work/$ns.rules"
    [[ -s $work/$ns.rules ]] || bad "no Role registry-operator in namespace $ns"
    sort -m "$work/$ns.rules" "$work/cluster.rules" | diff -u "$work/all.rules" - ||
      bad "the Role in $ns and the watched ClusterRole do not add up to the all-namespaces ClusterRole"
    doc "$work/watched.yaml" RoleBinding registry-operator "$ns" | grep -q '^    namespace: registry-operator-system$' ||
      bad "no RoleBinding in $ns for the release's ServiceAccount"
  done
  [[ $(count "$work/watched.yaml" Role) == 3 ]] || bad "expected 3 Roles (a, b, leader election)"
  [[ $(count "$work/watched.yaml" ServiceMonitor) == 1 ]] || bad "no ServiceMonitor when enabled"
  setting "$work/watched.yaml" NAMESPACE a,b || bad "no REGISTRY_OPERATOR_NAMESPACE=a,b"
  doc "$work/watched.yaml" Role registry-operator-leader-election registry-operator-system | grep -q leases ||
    bad "no leader election Role in the release namespace"
  # Each value that is set becomes its REGISTRY_OPERATOR_<FLAG> variable (a GID of 0 included),
  # never a flag (a flag would win over `kubectl set env`); values.schema.json and the templates
  # refuse what the operator would refuse at start.
  render --set runAsUser=1000680000,runAsGroup=0,workers=4,ingressClass=nginx >"$work/flags.yaml"
  for pair in RUN_AS_USER=1000680000 RUN_AS_GROUP=0 WORKERS=4 INGRESS_CLASS=nginx LOG_LEVEL=info; do
    setting "$work/flags.yaml" "${pair%%=*}" "${pair#*=}" || bad "no REGISTRY_OPERATOR_$pair in the Deployment's env"
  done
  grep -q -- '- --\(run-as\|workers\|ingress\|log-level\|platform\|namespace\)' "$work/flags.yaml" &&
    bad "a value rendered as a flag of the Deployment's args"
  render --set logLevel=loud >/dev/null 2>&1 && bad "values.schema.json let logLevel=loud through"
  render --set runAsGroup=5 >/dev/null 2>&1 && bad "runAsGroup without a numeric runAsUser rendered"
  echo "lint: helm-chart: helm lint --strict and the rendered RBAC hold, with and without watchNamespaces"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
