#include <set>

#include <catch2/catch.hpp>

#include "registry/api/mirror_target.h"
#include "registry/render/interval_schedule.h"
#include "registry/render/job_status.h"
#include "runtime/time_format.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;
using Json = kube::Json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("mirrors: the target repository is the source's path, as docker reads a reference") {
  CHECK(sourceRepositoryPath("docker.io/library/busybox") == "library/busybox");
  CHECK(sourceRepositoryPath("busybox") == "library/busybox");
  CHECK(sourceRepositoryPath("docker.io/busybox") == "library/busybox");
  CHECK(sourceRepositoryPath("bitnami/nginx") == "bitnami/nginx");
  CHECK(sourceRepositoryPath("quay.io/org/app") == "org/app");
  CHECK(sourceRepositoryPath("127.0.0.1:5001/team/app") == "team/app");
  CHECK(sourceRepositoryPath("localhost/app") == "app");
  MirrorSpec mirror;
  mirror.source = "quay.io/org/app";
  CHECK(mirrorTargetRepository(mirror) == "org/app");
  mirror.target = "mirrored/app";
  CHECK(mirrorTargetRepository(mirror) == "mirrored/app");
}

TEST_CASE("mirrors: an interval becomes the cron step at or below it, offset by the name") {
  const std::string seed = "image-registry-mirror-busybox";
  const std::string every_15 = cronScheduleForInterval(minutes(15), seed);
  CHECK_THAT(every_15, Catch::Matches("([0-9]|1[0-4])-59/15 \\* \\* \\* \\*"));
  // Rounded down: the mirror is looked at no less often than asked.
  CHECK_THAT(cronScheduleForInterval(minutes(45), seed), Catch::Matches("[0-9]+-59/30 .*"));
  CHECK_THAT(cronScheduleForInterval(minutes(7), seed), Catch::Matches("[0-5]-59/6 .*"));
  CHECK(cronScheduleForInterval(seconds(30), seed) == "* * * * *");
  CHECK(cronScheduleForInterval(minutes(1), seed) == "* * * * *");
  CHECK_THAT(cronScheduleForInterval(hours(1), seed), Catch::Matches("[0-9]+ \\* \\* \\* \\*"));
  CHECK_THAT(cronScheduleForInterval(hours(5), seed),
             Catch::Matches("[0-9]+ [0-3]-23/4 \\* \\* \\*"));
  CHECK_THAT(cronScheduleForInterval(hours(48), seed), Catch::Matches("[0-9]+ [0-9]+ \\* \\* \\*"));
  // Stable for one name (no roll of the CronJob at each reconcile), spread across names.
  CHECK(cronScheduleForInterval(minutes(15), seed) == every_15);
  std::set<std::string> schedules;
  for (int i = 0; i < 20; ++i) {
    schedules.insert(cronScheduleForInterval(minutes(60), "mirror-" + std::to_string(i)));
  }
  CHECK(schedules.size() > 5);
}

TEST_CASE("job status: the pruner's report is status.lastPrune") {
  PruneReport report;
  report.time = *runtime::parseTime("2026-12-06T10:00:00Z");
  report.repositories = 3;
  report.manifests_deleted = 5;
  report.bytes_freeable = 1024;
  CHECK(lastPruneStatus(report) == Json::parse(R"({"lastPrune": {"time": "2026-12-06T10:00:00Z",
      "repositories": 3, "manifestsDeleted": 5, "bytesFreeable": 1024}})"));
  report.message = "registry unreachable";
  CHECK(lastPruneStatus(report)["lastPrune"]["message"] == "registry unreachable");
  CHECK(statusApplyBody("team-a", "reg", lastPruneStatus(report))["metadata"] ==
        Json{{"name", "reg"}, {"namespace", "team-a"}});
  CHECK(kPrunerFieldManager == std::string("registry-operator-pruner"));
  CHECK(mirrorFieldManager("busybox") == "registry-operator-mirror-busybox");
}

TEST_CASE("job status: a mirror's entry keeps what a run without news does not change") {
  MirrorReport report;
  report.name = "busybox";
  report.source = "docker.io/library/busybox";
  report.target = "library/busybox";
  report.time = *runtime::parseTime("2026-12-06T10:00:00Z");
  report.tags = {{"1.36", "sha256:aaa", true}, {"latest", "sha256:bbb", false}};
  const Json first = mirrorStatus(report, Json::object());
  CHECK(first == Json::parse(R"({"mirrors": [{"name": "busybox",
      "source": "docker.io/library/busybox", "target": "library/busybox", "insecure": false,
      "tags": [{"tag": "1.36", "digest": "sha256:aaa"}, {"tag": "latest", "digest": "sha256:bbb"}],
      "lastImport": "2026-12-06T10:00:00Z"}]})"));

  // Later: nothing new, and one tag fails. The job owns its whole entry, so what it leaves out
  // would be removed: the last import time and the failed tag's digest are carried over.
  const Json current = {{"mirrors", Json::array({{{"name", "other"}}, first["mirrors"][0]})}};
  report.time = *runtime::parseTime("2026-12-06T11:00:00Z");
  report.tags = {{"1.36", "", false}, {"latest", "sha256:bbb", false}};
  report.message = "1.36: registry unreachable";
  const Json later = mirrorStatus(report, current)["mirrors"][0];
  CHECK(later["lastImport"] == "2026-12-06T10:00:00Z");
  CHECK(later["tags"] == Json::parse(R"([{"tag": "1.36", "digest": "sha256:aaa"},
      {"tag": "latest", "digest": "sha256:bbb"}])"));
  CHECK(later["message"] == "1.36: registry unreachable");

  // A tag that never made it has no digest to show.
  report.tags = {{"2.0", "", false}};
  CHECK(mirrorStatus(report, Json::object())["mirrors"][0]["tags"] ==
        Json::parse(R"([{"tag": "2.0"}])"));
}

TEST_CASE("job status: entries of mirrors gone from the spec are stale") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + "  mirrors: [{name: kept, source: quay.io/org/kept}]\n"));
  const Json status = Json::parse(
      R"({"mirrors": [{"name": "kept"}, {"name": "gone"}, {"tags": []}, {"name": 3}]})");
  CHECK(staleMirrorEntries(status, config) == std::vector<std::string>{"gone"});
  CHECK(staleMirrorEntries(Json::object(), config).empty());
  CHECK(staleMirrorEntries(Json::parse(R"({"mirrors": "garbage"})"), config).empty());
}
