/* transport_file.c - the file transport, the course's exercise, and the transports'
 * list.
 *
 * The child writes <dir>/<ppid>-<pid>.<ext>.<random>.part and links it to
 * <dir>/<ppid>-<pid>.<ext> (fc_file_write_new_staged, recording each step in its slot);
 * the parent reads that file once the child has exited, and removes exactly what the
 * child made (docs/RELIABILITY.md).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The result file of child `pid` of parent `ppid`: <dir>/<ppid>-<pid>.<ext>.
 * open_dir() keeps dir short enough for this to fit. */
static void result_path(char *buf, size_t size, const char *dir, pid_t ppid, pid_t pid,
                        const char *ext)
{
    if (snprintf(buf, size, "%s/%ld-%ld.%s", dir, (long)ppid, (long)pid, ext) >= (int)size)
        buf[0] = '\0';
}

/* The temporary name child c writes first: <result file>.<16 hex digits>.part, the digits
 * chosen at random by the parent before the fork. The parent knows the name, so it can
 * remove that file whatever step the child died at (the child creates it with O_EXCL,
 * so a file there is the child's); and nobody else can guess it and take it first. */
static void part_path(char *buf, size_t size, const char *path, uint64_t token)
{
    if (snprintf(buf, size, "%s.%016llx.part", path, (unsigned long long)token) >= (int)size)
        buf[0] = '\0';
}

void fc_remove_noting(fc_engine_result *out, const char *path, bool dir)
{
    if ((dir ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT)
        return;
    if (out->left_behind++ == 0) {
        out->left_errno = errno;
        snprintf(out->left_path, sizeof out->left_path, "%s", path);
    }
}

/* cfg->dir, checked, or a new private directory (inside a cfg->dir anyone may write). */
static int open_dir(const fc_engine_config *cfg, fc_engine_result *out, bool *private_dir,
                    fc_janitor *jan, fc_error *err)
{
    const char *tmp = cfg->dir;
    if (cfg->dir) {
        struct stat st;
        if (strlen(cfg->dir) > sizeof out->dir - 64)
            return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s: path too long", cfg->dir);
        if (stat(cfg->dir, &st) != 0)
            return fc_fail(err, FC_EIO, errno, "%s: %s", cfg->dir, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return fc_fail(err, FC_EIO, ENOTDIR, "%s: not a directory", cfg->dir);
        if (access(cfg->dir, W_OK | X_OK) != 0)
            return fc_fail(err, FC_EIO, errno, "%s: not writable: %s", cfg->dir,
                           strerror(errno));
        if (!(st.st_mode & S_IWOTH)) {
            memcpy(out->dir, cfg->dir, strlen(cfg->dir) + 1);
            *private_dir = false;
            return 0;
        }
        /* Anyone may write there (/tmp): anyone could take the names the children will
         * want, <ppid>-<pid>.<ext>, which the course fixes. So they go in a private
         * directory inside it, as without --dir. */
    } else if (!(tmp = getenv("TMPDIR")) || !*tmp) {
        tmp = "/tmp";
    }
    if (strlen(tmp) > sizeof out->dir - 128)
        return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s%s: path too long",
                       cfg->dir ? "" : "TMPDIR ", tmp);
    /* The pid says whose it is, if a parent killed with SIGKILL leaves it behind. */
    snprintf(out->dir, sizeof out->dir, "%s/forkcollect-%ld-XXXXXX", tmp, (long)getpid());
    if (!fc_janitor_mkdtemp(jan, out->dir))
        return fc_fail(err, FC_EIO, errno, "cannot make a directory under %s: %s", tmp,
                       strerror(errno));
    *private_dir = true;
    return 0;
}

static void file_begin(fc_xfer *x)
{
    result_path(x->report->path, sizeof x->report->path, x->dir, getpid(), x->report->pid,
                x->cfg->codec->extension);
}

static int file_send(fc_xfer *x, const fc_buffer *enc, fc_error *err)
{
    char path[sizeof x->report->path], part[sizeof x->report->path + 32];
    result_path(path, sizeof path, x->dir, getppid(), getpid(), x->cfg->codec->extension);
    part_path(part, sizeof part, path, x->token);
    fc_janitor_watch(x->jan, path, part, &x->slot->file); /* before any file exists */
    return fc_file_write_new_staged(path, part, enc->data, enc->len, &x->slot->file, err);
}

static int file_receive(fc_xfer *x)
{
    /* The child writes nothing on it: only its EOF counts, and a read error there loses
     * nothing (the file is read once the child has been reaped). */
    int rc = fc_xfer_drain(x, 0);
    x->read_errno = 0;
    return rc;
}

static int file_fetch(fc_xfer *x, fc_buffer *buf, const uint8_t **data, size_t *len,
                      fc_part_sent *sent, const char **source, fc_error *err)
{
    fc_error e = {0};
    buf->len = 0;
    if (fc_file_read(x->report->path, buf, &e) != 0)
        return fc_fail(err, e.code, e.sys_errno, "result file: %s", e.msg);
    *data = buf->data;
    *len = buf->len;
    *sent = (fc_part_sent){.bytes = x->slot->bytes, .crc = x->slot->crc};
    *source = x->report->path;
    return 0;
}

/* Removes the files the child made, and only those: a file at its final name that it did
 * not create (a stale one from another run, a FIFO swapped in) is not ours to remove;
 * the child recorded which file it created (device and inode). The result file stays
 * when keep is set and the child was collected. */
static void file_discard(fc_xfer *x, fc_engine_result *out, bool keep)
{
    const fc_child_report *c = x->report;
    char part[sizeof c->path + 32];
    part_path(part, sizeof part, c->path, x->token);
    bool ours = fc_file_is(c->path, &x->slot->file);
    fc_remove_noting(out, part, false);
    if (ours && !(keep && c->state == FC_CHILD_COLLECTED))
        fc_remove_noting(out, c->path, false);
}

const fc_transport fc_transport_file = {
    .name = "file",
    .open = open_dir,
    .begin = file_begin,
    .send = file_send,
    .receive = file_receive,
    .fetch = file_fetch,
    .discard = file_discard,
};

/* ==== The list ==== */

static const fc_transport *const transports[] = {&fc_transport_file, &fc_transport_pipe};

const fc_transport *fc_transport_at(size_t i)
{
    return i < sizeof transports / sizeof transports[0] ? transports[i] : NULL;
}

const fc_transport *fc_transport_find(const char *name)
{
    for (size_t i = 0; name && fc_transport_at(i); i++)
        if (strcmp(fc_transport_at(i)->name, name) == 0)
            return fc_transport_at(i);
    return NULL;
}

const char *fc_transport_name(const fc_transport *t)
{
    return t ? t->name : fc_transport_file.name;
}
