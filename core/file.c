/* file.c - reading a whole file; writing a new file atomically and safely. */
#define _POSIX_C_SOURCE 200809L
#include "forkcollect.h"
#include "seams.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular file is, for the message. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
                            : "a file of another kind";
}

/* Result files are regular files we made: nothing here may block or follow a link.
 * O_NONBLOCK makes opening a FIFO return at once (a blocking open waits for a writer),
 * and the fstat() then refuses it before any read. */
int fc_file_read(const char *path, fc_buffer *out, fc_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fc_fail(err, FC_EIO, e, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fc_fail(err, FC_EIO, 0, "%s: is %s, not a regular file", path,
                       file_kind(st.st_mode));
    }
    int rc = fc_buffer_reserve(out, (size_t)st.st_size, err);
    /* Read to the end, however long it turns out to be (the size is only a hint). */
    while (rc == 0) {
        if (out->len == out->cap && (rc = fc_buffer_reserve(out, 65536, err)) != 0)
            break;
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fc_fail(err, FC_EIO, errno, "%s: read failed at offset %zu: %s", path,
                         out->len, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fc_file_write_new(const char *path, const void *data, size_t len, fc_error *err)
{
    return fc_file_write_new_staged(path, NULL, data, len, NULL, err);
}

/* A test seam (core/seams.h): NULL in every real run. */
void (*fc_seam_write_step)(const char *part, int step);

static void step(const char *part, int at)
{
    if (fc_seam_write_step)
        fc_seam_write_step(part, at);
}

int fc_file_write_new_staged(const char *path, const char *part, const void *data, size_t len,
                             volatile uint32_t *stage, fc_error *err)
{
    char own[4096 + 8];
    if (!part) {
        if (snprintf(own, sizeof own, "%s.part", path) >= (int)sizeof own)
            return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s: path too long", path);
        part = own;
    }
    step(part, FC_SEAM_BEFORE_OPEN);
    int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot create: %s", part, strerror(errno));
    step(part, FC_SEAM_CREATED);
    if (stage)
        *stage = FC_STAGE_PART;
    if (write_all(fd, data, len) != 0) {
        int e = errno;
        close(fd);
        unlink(part);
        return fc_fail(err, FC_EIO, e, "%s: write of %zu bytes failed: %s", part, len,
                       strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(part);
        return fc_fail(err, FC_EIO, e, "%s: close failed: %s", part, strerror(e));
    }
    step(part, FC_SEAM_WRITTEN);
    /* link() refuses to replace an existing file, where rename() would not. */
    if (link(part, path) != 0) {
        int e = errno;
        unlink(part);
        return fc_fail(err, FC_EIO, e, "%s: cannot create: %s", path, strerror(e));
    }
    step(part, FC_SEAM_LINKED);
    if (stage)
        *stage = FC_STAGE_LINKED;
    unlink(part);
    return 0;
}
