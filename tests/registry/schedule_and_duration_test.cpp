#include <regex>

#include <catch2/catch.hpp>

#include "registry/api/cron_schedule.h"
#include "registry/api/dns_names.h"
#include "registry/api/duration.h"

using namespace registry;
using namespace std::chrono_literals;

TEST_CASE("durations are <number><unit> sequences") {
  CHECK(parseDuration("60m") == std::chrono::milliseconds(60min));
  CHECK(parseDuration("15m") == std::chrono::milliseconds(15min));
  CHECK(parseDuration("1h30m") == std::chrono::milliseconds(90min));
  CHECK(parseDuration("90s") == std::chrono::milliseconds(90s));
  CHECK(parseDuration("250ms") == 250ms);
  CHECK(parseDuration("1h1m1s1ms") == 3661001ms);
  CHECK(parseDuration("0s") == 0ms);
  for (const char* bad : {"", "60", "m", "1.5h", "-1h", "+1h", "1d", "1 h", "1h ", "h1", "1H",
                          "1234567890h", "1hm", "ms"}) {
    INFO(bad);
    CHECK_FALSE(parseDuration(bad).has_value());
  }
}

// Found by tests/fuzz (registry_config): a long run of digits overflowed the parser's int64
// (undefined behaviour); a sum of many large components could too.
TEST_CASE("durations too long for int64 milliseconds are refused, never wrapped") {
  CHECK_FALSE(parseDuration(std::string(30, '9') + "h").has_value());
  CHECK_FALSE(parseDuration("99999999999999999999999999ms").has_value());
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "999999999h";  // about 1.08e19 ms in all
  CHECK_FALSE(parseDuration(many).has_value());
  CHECK(parseDuration("999999999h") == std::chrono::milliseconds(999999999LL * 3600 * 1000));
}

TEST_CASE("the CRD's duration pattern and the parser agree") {
  std::regex pattern(kDurationPattern, std::regex::ECMAScript);
  for (const char* text : {"60m", "1h30m", "90s", "250ms", "1h1m1s1ms", "", "60", "1.5h", "-1h",
                           "1d", "1 h", "1234567890h", "1hm"}) {
    INFO(text);
    CHECK(std::regex_match(text, pattern) == parseDuration(text).has_value());
  }
}

TEST_CASE("cron schedules are checked field by field") {
  for (const char* good : {"0 0 * * *", "*/5 * * * *", "0 2 * * MON-FRI", "30 4 1,15 * *",
                           "0 0 1 JAN *", "0-30/10 8-18 * * 1-5", "0 0 * * 7", "0 0 ? * *",
                           "@daily", "@hourly", "@weekly", "59 23 31 12 6", "0  0 * * *"}) {
    INFO(good);
    CHECK_FALSE(cronScheduleProblem(good).has_value());
  }
  for (const char* bad :
       {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
        "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * FOO *",
        "@often", "1,,2 * * * *", "- * * * *", "every day at noon", "TZ=UTC 0 0 * * *"}) {
    INFO(bad);
    CHECK(cronScheduleProblem(bad).has_value());
  }
  CHECK(*cronScheduleProblem("61 0 * * *") == "invalid minute \"61\"");
  CHECK(*cronScheduleProblem("0 0 * *") ==
        "must have 5 fields (minute hour day-of-month month day-of-week), found 4");
}

TEST_CASE("what the cron checker accepts, the CRD's cron pattern accepts too") {
  std::regex pattern(kCronPattern, std::regex::ECMAScript);
  for (const char* text : {"0 0 * * *", "*/5 * * * *", "0 2 * * MON-FRI", "30 4 1,15 * *", "@daily",
                           "0-30/10 8-18 * * 1-5"}) {
    INFO(text);
    CHECK(std::regex_match(text, pattern));
  }
  for (const char* text : {"* * * *", "@often", "every day", "0 0 * * * *"}) {
    INFO(text);
    CHECK_FALSE(std::regex_match(text, pattern));
  }
}

TEST_CASE("Kubernetes name rules") {
  CHECK(isDns1123Label("a"));
  CHECK(isDns1123Label("image-registry"));
  CHECK(isDns1123Label("0abc"));
  CHECK_FALSE(isDns1123Label(""));
  CHECK_FALSE(isDns1123Label("-a"));
  CHECK_FALSE(isDns1123Label("a-"));
  CHECK_FALSE(isDns1123Label("A"));
  CHECK_FALSE(isDns1123Label("a.b"));
  CHECK_FALSE(isDns1123Label(std::string(64, 'a')));
  CHECK(isDns1123Label(std::string(63, 'a')));
  CHECK(isDns1123Subdomain("registry.example.com"));
  CHECK_FALSE(isDns1123Subdomain("registry..example"));
  CHECK_FALSE(isDns1123Subdomain(".example"));
  CHECK_FALSE(isDns1123Subdomain("example."));
  CHECK_FALSE(isDns1123Subdomain("Example.com"));
  CHECK(isDns1035Label("registry"));
  CHECK_FALSE(isDns1035Label("0registry"));
}
