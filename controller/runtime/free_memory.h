#pragma once

namespace runtime {

// Hands the heap's free pages back to the system. glibc keeps what a burst of short-lived
// allocations (a relist, a wave of reconciles) freed inside its arenas, so the resident size
// would stay at the burst's peak for the life of the process; malloc_trim releases the free
// pages, also those in the middle of an arena. It takes a few milliseconds for tens of MiB, so
// callers use it when a burst has just ended (a relist stored, a work queue drained), never on a
// hot path. Without glibc it does nothing.
void releaseFreeMemory();

}  // namespace runtime
