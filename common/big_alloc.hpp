// Memory for the control core's big tables (1M-entry ARP and replicated
// tables): blocks of 2 MiB and more come straight from mmap, 2 MiB aligned
// and advised as transparent huge pages (MADV_HUGEPAGE: Debian's default
// THP mode is "madvise"). A batch backup touches such tables at random;
// with 4 KiB pages nearly every touch also misses the TLB and the first
// touch of each page faults, and those dominated the measured cost of a
// 1M-entry batch (docs/benchmarks.md). The workers' tables already live in
// DPDK's huge pages. Smaller blocks go to malloc.
//
// mmap'd memory comes zeroed; big_alloc(n, zeroed=true) zeroes the malloc
// case too. Where THP is off the advice is ignored and the memory is plain.
//
// BigAllocator<T> is the same as a standard allocator, for std::vector.
//
// Thread-safety: any thread (mmap/malloc are thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

namespace wg {

inline constexpr size_t kBigAllocThreshold = size_t(2) << 20;

inline void* big_alloc(size_t bytes, bool zeroed) {
    if (bytes < kBigAllocThreshold) {
        void* p = zeroed ? std::calloc(1, bytes ? bytes : 1) : std::malloc(bytes ? bytes : 1);
        if (p == nullptr) throw std::bad_alloc();
        return p;
    }
    const size_t align = kBigAllocThreshold;
    const size_t len = (bytes + align - 1) & ~(align - 1);
    // Over-map by one alignment unit, then trim to an aligned window so the
    // kernel can back it with whole huge pages.
    void* raw = mmap(nullptr, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + align - 1) & ~uintptr_t(align - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const uintptr_t tail = start + len + align - (aligned + len);
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + len), tail);
    void* p = reinterpret_cast<void*>(aligned);
    madvise(p, len, MADV_HUGEPAGE); // advice: failure (THP never) leaves small pages
    return p;
}

// Backs [p, p + bytes) of a big_alloc block with memory now (zero pages
// become real, writable ones) instead of at first touch, where the cost of a
// fault lands in the middle of whatever touches it first (a 1M-entry batch
// backup). For tables sized at start, as the fast path's are. Small blocks
// (malloc) and kernels without MADV_POPULATE_WRITE (5.14) are left as they are.
inline void big_commit(void* p, size_t bytes) noexcept {
    if (p == nullptr || bytes < kBigAllocThreshold) return;
#ifdef MADV_POPULATE_WRITE
    const auto start = reinterpret_cast<uintptr_t>(p);
    const uintptr_t first = start & ~uintptr_t(4095);
    madvise(reinterpret_cast<void*>(first), start + bytes - first, MADV_POPULATE_WRITE);
#endif
}

// `bytes` must be what big_alloc was given.
inline void big_free(void* p, size_t bytes) noexcept {
    if (p == nullptr) return;
    if (bytes < kBigAllocThreshold) {
        std::free(p);
        return;
    }
    const size_t align = kBigAllocThreshold;
    munmap(p, (bytes + align - 1) & ~(align - 1));
}

template <class T>
struct BigAllocator {
    using value_type = T;
    BigAllocator() = default;
    template <class U>
    BigAllocator(const BigAllocator<U>&) noexcept {}
    T* allocate(size_t n) {
        if (n > size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(big_alloc(n * sizeof(T), false));
    }
    void deallocate(T* p, size_t n) noexcept { big_free(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const BigAllocator<U>&) const noexcept {
        return true;
    }
};

} // namespace wg
