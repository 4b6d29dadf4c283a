/* samc eval --workers W: the worker processes of one eval command and the messages between
 * the command and them (what the messages say is eval/runner.c's business).
 *
 * A worker is this program started again (/proc/self/exe) with the command's own options
 * plus a hidden "--eval-worker FD", FD its end of a socket pair with the command. Not a bare
 * fork(): a worker runs OpenMP regions, and libgomp's thread pool (like OpenBLAS's) is not
 * fork-safe: a child forked after the parent's pool started can hang in its first parallel
 * region; an exec starts both pools afresh. The model's weights stay shared all the same:
 * each worker maps the same .samw read-only (weights/samw.c), and the kernel backs a file's
 * pages with one copy in the page cache, whichever process maps them.
 *
 * The command's lock on OUT (its descriptor) is passed to every worker, so OUT stays locked
 * until the command and all its workers are gone; and a worker dies with the command
 * (PR_SET_PDEATHSIG): a killed command leaves no worker writing. */
#ifndef SAMC_EVAL_WORKERS_H
#define SAMC_EVAL_WORKERS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid; /* 0 once reaped */
    int fd;    /* the command's end of the socket pair; -1 once closed */
} eval_worker;

typedef struct {
    eval_worker *v;
    int n;
    void *buf; /* the last message received (eval_workers_recv) */
    size_t cap;
} eval_workers;

/* Starts n workers, each `/proc/self/exe` with args[0..n_args-1] (args[0]: the program
 * name) then "--eval-worker FD"; keep_fd (or -1) stays open in them. 0, or -1 with a message
 * (the workers already started are stopped). */
int eval_workers_start(eval_workers *ws, int n, char *const *args, int n_args, int keep_fd);

/* Waits until one worker has something to say (a message, or its end) and returns its index;
 * -1 with a message when none is left. */
int eval_workers_wait(eval_workers *ws);

/* Sends one message to worker k: 0, or -1 with a message (the worker is gone). */
int eval_workers_send(eval_workers *ws, int k, const void *msg, size_t len);

/* The next message of worker k into ws->buf: 1 (its length in *len), 0 when the worker has
 * closed its end (it exited or died: see eval_workers_reap), -1 with a message. */
int eval_workers_recv(eval_workers *ws, int k, size_t *len);

/* No more messages for worker k: it reads the end and exits. */
void eval_workers_done(eval_workers *ws, int k);

/* Waits for worker k to exit (after eval_workers_recv said 0) and closes its end: 0 when it
 * exited with status 0, else -1 with a message naming it ("worker 2 of 4 (pid 123) was killed
 * by signal 9"). */
int eval_workers_reap(eval_workers *ws, int k);

/* Ends every worker still running (SIGKILL), waits for them, frees ws. */
void eval_workers_free(eval_workers *ws);

/* A worker's side: one message to or from the command over fd, framed as the command's.
 * eval_channel_recv keeps its buffer in *buf (grown as needed, *cap its size): 1, 0 at the
 * end (the command has no more messages, or is gone), -1 with a message. */
int eval_channel_send(int fd, const void *msg, size_t len);
int eval_channel_recv(int fd, void **buf, size_t *cap, size_t *len);

#endif
