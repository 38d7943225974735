/* file.c - reading a whole file; writing a new file atomically and safely. */
#define _GNU_SOURCE /* O_TMPFILE */
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

/* The directory part of path ("." when there is none), in dir[size]; -1 if too long. */
static int directory_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    int n = !slash ? snprintf(dir, size, ".")
            : slash == path ? snprintf(dir, size, "/")
                            : snprintf(dir, size, "%.*s", (int)(slash - path), path);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Writes data to an unnamed file in path's directory (O_TMPFILE) and only then gives it
 * the name path, so that no kill at any moment, SIGKILL included, can leave a partial
 * file or a .part behind: an unnamed file vanishes with its last descriptor. Returns 1
 * when this file system or kernel has no O_TMPFILE (or no /proc to link it by), for
 * the caller to fall back on a named .part file. */
static int write_unnamed(const char *path, const void *data, size_t len, fc_error *err)
{
    char dir[4096], proc[64];
    if (directory_of(path, dir, sizeof dir) != 0)
        return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s: path too long", path);
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
        return 1;
    if (fd < 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot create a file in %s: %s", path, dir,
                       strerror(errno));
    if (write_all(fd, data, len) != 0) {
        int e = errno;
        close(fd);
        return fc_fail(err, FC_EIO, e, "%s: write of %zu bytes failed: %s", path, len,
                       strerror(e));
    }
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    /* linkat() never replaces what is at path and never follows a link there. */
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT && access("/proc/self/fd", X_OK) != 0)
            return 1; /* no /proc: name the file the other way */
        return fc_fail(err, FC_EIO, e, "%s: cannot create: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(path);
        return fc_fail(err, FC_EIO, e, "%s: close failed: %s", path, strerror(e));
    }
    return 0;
}

int fc_file_check_new(const char *path, fc_error *err)
{
    char dir[4096], part[4096 + 8];
    if (directory_of(path, dir, sizeof dir) != 0 ||
        snprintf(part, sizeof part, "%s.part", path) >= (int)sizeof part)
        return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s: path too long", path);
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) /* unnamed: it vanishes as it is closed */
        return close(fd), 0;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return fc_fail(err, FC_EIO, errno, "%s: cannot create a file in %s: %s", path, dir,
                       strerror(errno));
    fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot create: %s", part, strerror(errno));
    close(fd);
    unlink(part);
    return 0;
}

int fc_file_write_new(const char *path, const void *data, size_t len, fc_error *err)
{
    int rc = write_unnamed(path, data, len, err);
    return rc != 1 ? rc : fc_file_write_new_staged(path, NULL, data, len, NULL, err);
}

/* A test seam (core/seams.h): NULL in every real run. */
void (*fc_seam_write_step)(const char *part, int step);

static void step(const char *part, int at)
{
    if (fc_seam_write_step)
        fc_seam_write_step(part, at);
}

int fc_file_write_new_staged(const char *path, const char *part, const void *data, size_t len,
                             volatile fc_file_stage *stage, fc_error *err)
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
    struct stat st;
    if (stage && fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        unlink(part);
        return fc_fail(err, FC_EIO, e, "%s: cannot stat: %s", part, strerror(e));
    }
    if (stage) {
        stage->dev = (uint64_t)st.st_dev;
        stage->ino = (uint64_t)st.st_ino;
        stage->stage = FC_STAGE_PART;
    }
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
        stage->stage = FC_STAGE_LINKED;
    if (unlink(part) != 0 && !stage) {
        /* Nobody else will remove it: undo, and say what is left. */
        int e = errno;
        unlink(path);
        return fc_fail(err, FC_EIO, e, "%s: cannot remove the temporary file %s (remove it "
                                       "by hand): %s", path, part, strerror(e));
    }
    return 0;
}

bool fc_file_is(const char *path, const volatile fc_file_stage *stage)
{
    struct stat st;
    if (stage->stage == FC_STAGE_NONE)
        return false;
    if (lstat(path, &st) != 0) /* cannot look (EIO): the writer's word that it linked it */
        return errno != ENOENT && errno != ENOTDIR && stage->stage == FC_STAGE_LINKED;
    return S_ISREG(st.st_mode) && (uint64_t)st.st_dev == stage->dev &&
           (uint64_t)st.st_ino == stage->ino;
}
