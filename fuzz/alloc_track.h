/* alloc_track.h - the fuzz targets' count of the bytes live at once, through the
 * sanitizer's malloc and free hooks: track_start(), then the peak in track_peak. */
#ifndef FC_FUZZ_ALLOC_TRACK_H
#define FC_FUZZ_ALLOC_TRACK_H

#include <sanitizer/allocator_interface.h>
#include <stddef.h>

static size_t track_live, track_peak;
static int tracking;

static void on_malloc(const volatile void *p, size_t size)
{
    (void)p;
    if (!tracking)
        return;
    track_live += size;
    if (track_live > track_peak)
        track_peak = track_live;
}

static void on_free(const volatile void *p)
{
    if (tracking && p) {
        size_t n = __sanitizer_get_allocated_size((const void *)p);
        track_live = n > track_live ? 0 : track_live - n;
    }
}

static inline void track_start(void)
{
    track_live = track_peak = 0;
    tracking = 1;
}

static inline void track_stop(void)
{
    tracking = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    return 0;
}

#endif
