// The test control plane's coordinates, compiled in (ctest's discovered tests cannot carry
// several environment variables through catch_discover_tests). A variable already set in the
// environment wins, so the tests can also run by hand against another control plane.
#include <cstdlib>

namespace {
const bool kEnvironmentSet = [] {
  setenv("KUBECONFIG", TEST_KUBECONFIG, /*overwrite=*/0);
  setenv("CONTROLPLANE_DIR", TEST_CONTROLPLANE_DIR, 0);
  setenv("CONTROLPLANE", TEST_CONTROLPLANE, 0);
  setenv("K8S_VERSION", TEST_K8S_VERSION, 0);
  return true;
}();
}  // namespace
