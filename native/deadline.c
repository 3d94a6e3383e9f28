/* deadline.c: device work that may block (a hung audio server never answers) runs on a
 * helper thread of its own; the control thread waits for it at most until a deadline. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static _Atomic uint32_t stuck_threads; /* helper threads given up on that have not returned */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t done_changed;
    bool done, given_up;
    sp_result result;
    sp_result (*work)(void *);
    void (*late)(void *);
    void *arg;
} deadline_job;

static void job_free(deadline_job *job) {
    pthread_cond_destroy(&job->done_changed);
    pthread_mutex_destroy(&job->lock);
    free(job);
}

/* Names the calling thread (as top, gdb and perf show it), where the platform can: Linux and
 * the BSDs with glibc-style pthread_setname_np, macOS with its own. Names stay within 15
 * characters (Linux's limit). */
void sp_thread_name(const char *name) {
#if defined(__APPLE__)
    pthread_setname_np(name);
#elif defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__)
#if defined(__NetBSD__)
    pthread_setname_np(pthread_self(), "%s", (void *)name);
#else
    pthread_setname_np(pthread_self(), name);
#endif
#else
    (void)name;
#endif
}

static void *job_thread(void *raw) {
    deadline_job *job = raw;
    sp_thread_name("sp-deadline");
    const sp_result result = job->work(job->arg);
    pthread_mutex_lock(&job->lock);
    const bool given_up = job->given_up;
    job->done = true;
    job->result = result;
    pthread_cond_signal(&job->done_changed);
    pthread_mutex_unlock(&job->lock);
    if (given_up) {
        /* Nobody waits any more: this thread cleans up what the work made, then leaves. */
        if (job->late != NULL) job->late(job->arg);
        job_free(job);
        atomic_fetch_sub_explicit(&stuck_threads, 1, memory_order_relaxed);
    }
    return NULL;
}

sp_result sp_run_with_deadline(sp_result (*work)(void *), void (*give_up)(void *),
                               void (*late)(void *), void *arg, uint32_t deadline_ms) {
    deadline_job *job = calloc(1, sizeof *job);
    SP_CHECK(job != NULL, SP_ERROR_OUT_OF_MEMORY);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&job->done_changed, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    pthread_mutex_init(&job->lock, NULL);
    job->work = work;
    job->late = late;
    job->arg = arg;

    /* Joinable: a helper that finishes in time is joined, so no thread of ours is still running
     * this library's code after we return (the host may unload the library right after, and a
     * helper caught between its signal and its return then faulted at process exit). One
     * that misses the deadline is detached and cleans up after itself. */
    pthread_t thread;
    const int created = pthread_create(&thread, NULL, job_thread, job);
    if (created != 0) {
        job_free(job);
        return SP_ERROR_OUT_OF_MEMORY;
    }

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += deadline_ms / 1000u;
    until.tv_nsec += (long)(deadline_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&job->lock);
    while (!job->done) {
        if (pthread_cond_timedwait(&job->done_changed, &job->lock, &until) == ETIMEDOUT) break;
    }
    if (!job->done) {
        /* Under the lock, so the helper cannot run `late` (and free arg) before this is done. */
        if (give_up != NULL) give_up(arg);
        job->given_up = true;
        atomic_fetch_add_explicit(&stuck_threads, 1, memory_order_relaxed);
        pthread_mutex_unlock(&job->lock);
        pthread_detach(thread);
        return SP_ERROR_TIMEOUT;
    }
    pthread_mutex_unlock(&job->lock);
    pthread_join(thread, NULL); /* done: it only has to return */
    const sp_result result = job->result;
    job_free(job);
    return result;
}

uint32_t sp_stuck_threads(void) {
    return atomic_load_explicit(&stuck_threads, memory_order_relaxed);
}
