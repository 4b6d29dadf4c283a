#include "eval/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

/* A message is its length (uint32_t, this machine's order: both ends are the same program)
 * then its bytes; none is near this size (a volume's slice names are the longest). */
#define CHANNEL_MAX_MESSAGE (64u << 20)

static int send_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        /* MSG_NOSIGNAL: a peer gone is an error value here, not a SIGPIPE ending this process */
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return util_err("%s", w < 0 ? strerror(errno) : "short write");
        c += w, n -= (size_t)w;
    }
    return 0;
}

/* n bytes: 1, 0 at the end before the first byte, -1 with a message */
static int recv_all(int fd, void *p, size_t n) {
    char *c = p;
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, c + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return util_err("%s", strerror(errno));
        if (r == 0) return got ? util_err("a message cut short") : 0;
        got += (size_t)r;
    }
    return 1;
}

int eval_channel_send(int fd, const void *msg, size_t len) {
    if (len > CHANNEL_MAX_MESSAGE) return util_err("a message of %zu bytes (at most %u)", len, CHANNEL_MAX_MESSAGE);
    uint32_t n = (uint32_t)len;
    return send_all(fd, &n, sizeof n) || send_all(fd, msg, len) ? -1 : 0;
}

int eval_channel_recv(int fd, void **buf, size_t *cap, size_t *len) {
    uint32_t n;
    int r = recv_all(fd, &n, sizeof n);
    if (r <= 0) return r;
    if (n > CHANNEL_MAX_MESSAGE) return util_err("a message of %u bytes (at most %u)", n, CHANNEL_MAX_MESSAGE);
    if (n + 1u > *cap) { /* one byte more: a text message can be read as a string */
        void *b = realloc(*buf, n + 1u);
        if (!b) return util_err("out of memory");
        *buf = b, *cap = n + 1u;
    }
    if (n && recv_all(fd, *buf, n) != 1) return util_err("a message cut short");
    ((char *)*buf)[n] = 0;
    *len = n;
    return 1;
}

int eval_workers_start(eval_workers *ws, int n, char *const *args, int n_args, int keep_fd) {
    *ws = (eval_workers){0};
    char **argv = util_xcalloc_array((size_t)n_args + 3, sizeof *argv);
    ws->v = util_xcalloc_array((size_t)n, sizeof *ws->v);
    if (!argv || !ws->v) {
        free(argv);
        return -1;
    }
    memcpy(argv, args, (size_t)n_args * sizeof *argv);
    char fd_arg[16];
    argv[n_args] = "--eval-worker";
    argv[n_args + 1] = fd_arg;
    pid_t self = getpid();
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        ws->v[k].fd = -1;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
            rc = util_err("cannot start worker %d: %s", k + 1, strerror(errno));
            break;
        }
        /* never 0-2 in the worker (a command started with stdin closed could get fd 0) */
        if (sv[1] < 3) {
            int d = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
            close(sv[1]);
            sv[1] = d;
        }
        snprintf(fd_arg, sizeof fd_arg, "%d", sv[1]);
        pid_t pid = sv[1] < 0 ? -1 : fork();
        if (pid == 0) {
            /* the child of a threaded process: only system calls until exec */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != self) _exit(127); /* the command died before the line above */
            fcntl(sv[1], F_SETFD, 0);
            if (keep_fd >= 0) fcntl(keep_fd, F_SETFD, 0);
            execv("/proc/self/exe", argv);
            _exit(127);
        }
        int e = errno;
        if (sv[1] >= 0) close(sv[1]);
        if (pid < 0) {
            close(sv[0]);
            rc = util_err("cannot start worker %d: %s", k + 1, strerror(e));
            break;
        }
        ws->v[k] = (eval_worker){.pid = pid, .fd = sv[0]};
        ws->n = k + 1;
    }
    free(argv);
    if (rc) eval_workers_free(ws);
    return rc;
}

int eval_workers_wait(eval_workers *ws) {
    struct pollfd p[ws->n > 0 ? ws->n : 1];
    int m = 0;
    for (int k = 0; k < ws->n; k++)
        if (ws->v[k].fd >= 0) p[m++] = (struct pollfd){.fd = ws->v[k].fd, .events = POLLIN};
    if (!m) return util_err("no worker left");
    for (;;) {
        int r = poll(p, (nfds_t)m, -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return util_err("waiting for the workers: %s", strerror(errno));
        for (int i = 0; i < m; i++)
            if (p[i].revents)
                for (int k = 0; k < ws->n; k++)
                    if (ws->v[k].fd == p[i].fd) return k;
    }
}

int eval_workers_send(eval_workers *ws, int k, const void *msg, size_t len) {
    if (eval_channel_send(ws->v[k].fd, msg, len))
        return util_err_context("worker %d of %d (pid %ld)", k + 1, ws->n, (long)ws->v[k].pid);
    return 0;
}

int eval_workers_recv(eval_workers *ws, int k, size_t *len) {
    int r = eval_channel_recv(ws->v[k].fd, &ws->buf, &ws->cap, len);
    if (r < 0) util_err_context("worker %d of %d (pid %ld)", k + 1, ws->n, (long)ws->v[k].pid);
    return r;
}

void eval_workers_done(eval_workers *ws, int k) {
    if (ws->v[k].fd >= 0) shutdown(ws->v[k].fd, SHUT_WR);
}

int eval_workers_reap(eval_workers *ws, int k) {
    eval_worker *w = &ws->v[k];
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (!w->pid) return 0;
    int st = 0;
    pid_t r;
    while ((r = waitpid(w->pid, &st, 0)) < 0 && errno == EINTR) {
    }
    long pid = (long)w->pid;
    w->pid = 0;
    if (r < 0) return util_err("worker %d of %d (pid %ld): %s", k + 1, ws->n, pid, strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFSIGNALED(st))
        return util_err("worker %d of %d (pid %ld) was killed by signal %d (%s)", k + 1, ws->n, pid, WTERMSIG(st),
                        strsignal(WTERMSIG(st)));
    return util_err("worker %d of %d (pid %ld) exited with status %d%s", k + 1, ws->n, pid, WEXITSTATUS(st),
                    WEXITSTATUS(st) == 127 ? " (it could not start: /proc/self/exe)" : "");
}

void eval_workers_free(eval_workers *ws) {
    for (int k = 0; k < ws->n; k++) {
        eval_worker *w = &ws->v[k];
        if (w->fd >= 0) close(w->fd);
        if (w->pid) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
            }
        }
    }
    free(ws->v);
    free(ws->buf);
    *ws = (eval_workers){0};
}
