/* transport_pipe.c - the pipe transport: the child streams its encoding to the parent.
 *
 * On the pipe the engine gives every child, the child writes a 16-byte header, then its
 * encoding:
 *     "FCS1"  size (8 bytes, little-endian)  CRC-32C (4 bytes, little-endian)
 * The parent reads every running child's pipe as data arrives (the engine poll()s them
 * all at once), so no child blocks on a full pipe while another is read. Once the child
 * has exited 0, what arrived is checked as a file is: its size and CRC-32C against the
 * header, then decoded and merged by the collector. Nothing is written to disk.
 */
#define _POSIX_C_SOURCE 200809L
#include "transport.h"
#include "seams.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define HEADER_BYTES 16
static const char magic[4] = {'F', 'C', 'S', '1'};

void (*fc_seam_pipe_send)(int step, fc_part_sent *header, size_t *len);

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int write_all(int fd, const uint8_t *p, size_t n, fc_error *err)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fc_fail(err, FC_EIO, errno, "writing to the pipe to the parent: %s",
                           strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void pipe_begin(fc_xfer *x)
{
    x->report->path[0] = '\0';
    x->in.len = 0;
    x->received = 0;
    x->lost = false;
    x->read_errno = 0;
}

static int pipe_send(fc_xfer *x, const fc_buffer *enc, fc_error *err)
{
    fc_part_sent h = {.bytes = x->slot->bytes, .crc = x->slot->crc};
    size_t len = enc->len;
    if (fc_seam_pipe_send)
        fc_seam_pipe_send(FC_SEAM_PIPE_HEADER, &h, &len);
    uint8_t header[HEADER_BYTES];
    memcpy(header, magic, 4);
    put_le(header + 4, h.bytes, 8);
    put_le(header + 12, h.crc, 4);
    int rc = write_all(x->fd, header, sizeof header, err);
    if (rc == 0)
        rc = write_all(x->fd, enc->data, len / 2, err);
    if (rc == 0 && fc_seam_pipe_send)
        fc_seam_pipe_send(FC_SEAM_PIPE_HALF, &h, &len);
    if (rc == 0)
        rc = write_all(x->fd, enc->data + len / 2, len - len / 2, err);
    return rc;
}

int fc_xfer_drain(fc_xfer *x, size_t keep)
{
    for (;;) {
        uint8_t scratch[4096], *to = scratch;
        size_t room = sizeof scratch;
        if (x->in.len < keep && !x->lost) {
            if (fc_buffer_reserve(&x->in, 65536, NULL) == 0) {
                to = x->in.data + x->in.len;
                room = x->in.cap - x->in.len < keep - x->in.len ? x->in.cap - x->in.len
                                                                 : keep - x->in.len;
            } else {
                x->lost = true;
            }
        }
        ssize_t n = read(x->fd, to, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0)
            x->read_errno = errno; /* it ends the stream all the same */
        if (n <= 0)
            return 1;
        x->received += (uint64_t)n;
        if (to != scratch)
            x->in.len += (size_t)n;
    }
}

static int pipe_receive(fc_xfer *x)
{
    size_t keep = SIZE_MAX;
    if (x->in.len >= HEADER_BYTES) { /* never keep more than the header announced */
        uint64_t want = get_le(x->in.data + 4, 8);
        keep = want > SIZE_MAX - HEADER_BYTES ? SIZE_MAX : (size_t)want + HEADER_BYTES;
    }
    return fc_xfer_drain(x, keep);
}

static int pipe_fetch(fc_xfer *x, fc_buffer *buf, const uint8_t **data, size_t *len,
                      fc_part_sent *sent, const char **source, fc_error *err)
{
    (void)buf;
    if (x->lost)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for its stream of %llu bytes",
                       (unsigned long long)x->received);
    if (x->in.len < HEADER_BYTES)
        return fc_fail(err, FC_ECHECKSUM, 0, "its stream ended after %llu bytes, inside its "
                       "%d-byte header", (unsigned long long)x->received, HEADER_BYTES);
    if (memcmp(x->in.data, magic, sizeof magic) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "its stream does not start with the header "
                       "\"FCS1\"");
    *sent = (fc_part_sent){.bytes = get_le(x->in.data + 4, 8),
                           .crc = (uint32_t)get_le(x->in.data + 12, 4)};
    if (x->received - HEADER_BYTES > sent->bytes)
        return fc_fail(err, FC_ECHECKSUM, 0, "its stream is %llu bytes, the child wrote %llu",
                       (unsigned long long)(x->received - HEADER_BYTES),
                       (unsigned long long)sent->bytes);
    *data = x->in.data + HEADER_BYTES;
    *len = x->in.len - HEADER_BYTES;
    *source = "its stream";
    return 0;
}

static void pipe_discard(fc_xfer *x, fc_engine_result *out, bool keep)
{
    (void)out, (void)keep;
    fc_buffer_free(&x->in);
}

const fc_transport fc_transport_pipe = {
    .name = "pipe",
    .open = NULL,
    .begin = pipe_begin,
    .send = pipe_send,
    .receive = pipe_receive,
    .fetch = pipe_fetch,
    .discard = pipe_discard,
};
