/*
 * Two system calls for programs in a proot tree (scripts/smoke-package.sh).
 *
 * proot 5.1 (Debian bookworm's) predates statx(2) and faccessat2(2) and leaves
 * their paths untranslated: asked about /var/lib/reelsync, they answer about
 * the host's. Rust's standard library and coreutils ask statx first; dash's
 * `test -r` and glibc's faccessat ask faccessat2. Preloaded into the tree
 * (/etc/ld.so.preload), these wrappers use the older calls, whose paths proot
 * translates.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Only the basic fields are filled, as stx_mask says. */
static struct statx_timestamp timestamp(struct timespec t)
{
    struct statx_timestamp out = { .tv_sec = t.tv_sec, .tv_nsec = (unsigned int)t.tv_nsec };
    return out;
}

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
          struct statx *restrict out)
{
    struct stat st;
    (void)mask;
    if (fstatat(dirfd, path, &st, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)))
        return -1;
    memset(out, 0, sizeof *out);
    out->stx_mask = STATX_BASIC_STATS;
    out->stx_blksize = (unsigned int)st.st_blksize;
    out->stx_nlink = (unsigned int)st.st_nlink;
    out->stx_uid = st.st_uid;
    out->stx_gid = st.st_gid;
    out->stx_mode = (unsigned short)st.st_mode;
    out->stx_ino = st.st_ino;
    out->stx_size = (unsigned long long)st.st_size;
    out->stx_blocks = (unsigned long long)st.st_blocks;
    out->stx_atime = timestamp(st.st_atim);
    out->stx_mtime = timestamp(st.st_mtim);
    out->stx_ctime = timestamp(st.st_ctim);
    out->stx_rdev_major = major(st.st_rdev);
    out->stx_rdev_minor = minor(st.st_rdev);
    out->stx_dev_major = major(st.st_dev);
    out->stx_dev_minor = minor(st.st_dev);
    return 0;
}

/*
 * The tree's programs run with the same real and effective ids, so AT_EACCESS
 * changes nothing; AT_SYMLINK_NOFOLLOW, which nothing here uses, is dropped.
 */
int faccessat(int dirfd, const char *path, int mode, int flags)
{
    (void)flags;
    return (int)syscall(SYS_faccessat, dirfd, path, mode);
}
