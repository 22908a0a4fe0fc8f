#ifndef C_ENGINE_PREFETCH_H
#define C_ENGINE_PREFETCH_H

// Software prefetch for the engine's batch pipeline (Swift exposes no prefetch of its
// own). Header-only: the calls inline into the Swift caller and compile to one
// PREFETCHT0 / PREFETCHW instruction, never a call, never a fault.

/// Starts loading the cache line holding `p` for reading.
static inline __attribute__((always_inline)) void ct_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Starts loading the cache line holding `p` for writing (exclusive ownership).
static inline __attribute__((always_inline)) void ct_prefetch_write(const void *p) {
    __builtin_prefetch(p, 1, 3);
}

#endif
