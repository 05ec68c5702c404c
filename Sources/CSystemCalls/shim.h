#ifndef CSYSTEM_SHIM_H
#define CSYSTEM_SHIM_H
// What mrabat calls from libc and libresolv beyond the Glibc module: the resolver and its answer
// parser (<resolv.h>, <arpa/nameser.h>, not part of the Swift overlay), syncfs(2), O_TMPFILE and
// malloc_trim(3). Macros get `csystem_` wrappers, because Swift cannot call a macro.
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

/// syncfs(2): flush the file system holding `fd`. Glibc declares it only under _GNU_SOURCE, which
/// the Swift overlay does not set (and setting it here would change other declarations, such as
/// strerror_r); the symbol has been in glibc since 2.14. This is its prototype from <unistd.h>.
extern int syncfs(int fd);

/// open(2) with `O_TMPFILE`: an unnamed regular file in directory `dir`, for writing, that vanishes
/// on close unless linkat(2) gives it a name. The flag is a macro defined only under _GNU_SOURCE (see
/// syncfs above), so its value comes from glibc's `__O_TMPFILE`; -1 with `EOPNOTSUPP` where there is none.
static inline int csystem_open_tmpfile(const char *dir, unsigned int mode) {
#ifdef __O_TMPFILE
    return open(dir, __O_TMPFILE | O_DIRECTORY | O_WRONLY | O_CLOEXEC, mode);
#else
    errno = EOPNOTSUPP;
    return -1;
#endif
}

/// linkat(2) of the open file `fd` itself (`AT_EMPTY_PATH`, 0x1000 in <linux/fcntl.h>; glibc defines
/// it only under _GNU_SOURCE): names an `O_TMPFILE` file without going through `/proc/self/fd`.
/// Linux allows it for a file the caller opened since 6.10, before that only with CAP_DAC_READ_SEARCH
/// (then it fails with `EPERM` or, before 2.6.39, `EINVAL`).
static inline int csystem_link_fd(int fd, const char *path) { return linkat(fd, "", AT_FDCWD, path, 0x1000); }

/// The calling thread's `h_errno` (a macro over `__h_errno_location()`): why `res_query` failed.
static inline int csystem_h_errno(void) { return h_errno; }

/// `ns_msg_count`: the number of records in one section of a parsed message.
static inline int csystem_ns_msg_count(const ns_msg *handle, ns_sect section) {
    return ns_msg_count(*handle, section);
}

/// `ns_msg_getflag(handle, ns_f_rcode)`: the message's response code (RFC 1035 RCODE).
static inline int csystem_ns_msg_rcode(const ns_msg *handle) { return ns_msg_getflag(*handle, ns_f_rcode); }

/// The start of the message `handle` parses, for expanding compressed names in its records.
static inline const unsigned char *csystem_ns_msg_base(const ns_msg *handle) { return ns_msg_base(*handle); }

/// The end of the message `handle` parses.
static inline const unsigned char *csystem_ns_msg_end(const ns_msg *handle) { return ns_msg_end(*handle); }

/// `ns_rr_type`: a record's type (`ns_t_srv` = 33, …).
static inline int csystem_ns_rr_type(const ns_rr *rr) { return ns_rr_type(*rr); }

/// `ns_rr_class`: a record's class (`ns_c_in` = 1).
static inline int csystem_ns_rr_class(const ns_rr *rr) { return ns_rr_class(*rr); }

/// `ns_rr_rdlen`: the length of a record's data.
static inline int csystem_ns_rr_rdlen(const ns_rr *rr) { return ns_rr_rdlen(*rr); }

/// `ns_rr_rdata`: a record's data, inside the message.
static inline const unsigned char *csystem_ns_rr_rdata(const ns_rr *rr) { return ns_rr_rdata(*rr); }

#endif
