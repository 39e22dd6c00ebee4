#include "runtime/clock.h"

namespace runtime {

ClockPtr realClock() {
  static const ClockPtr clock = std::make_shared<RealClock>();
  return clock;
}

}  // namespace runtime
