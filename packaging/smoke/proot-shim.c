/*
 * Two system calls for programs in a proot tree (scripts/smoke-package.sh).
 *
 * proot 5.1 (Debian bookworm's) predates statx(2) and faccessat2(2) and leaves
 * their paths untranslated: asked about /var/lib/reelsync, they answer about
 * the host's. Rust's standard library and coreutils ask statx first; dash's
 * `test -r` and glibc's faccessat ask faccessat2. Preloaded (LD_PRELOAD) into
 * the tree's programs, these wrappers answer from fstatat(2), whose path proot
 * translates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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
 * Permission checks from fstatat(2), for the caller's effective ids: under
 * qemu-user even the old faccessat(2) reaches the host as faccessat2. Search
 * permission on the directories above is not checked: the tree's are open.
 */
static int in_groups(gid_t gid)
{
    gid_t groups[256];
    int count = getgroups(256, groups);
    if (gid == getegid())
        return 1;
    for (int i = 0; i < count; i++)
        if (groups[i] == gid)
            return 1;
    return 0;
}

static int check_access(int dirfd, const char *path, int mode, int flags)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, flags & AT_SYMLINK_NOFOLLOW))
        return -1;
    if (mode == F_OK)
        return 0;
    int granted;
    if (geteuid() == 0)
        granted = R_OK | W_OK | ((st.st_mode & 0111) || S_ISDIR(st.st_mode) ? X_OK : 0);
    else if (st.st_uid == geteuid())
        granted = (st.st_mode >> 6) & 7;
    else if (in_groups(st.st_gid))
        granted = (st.st_mode >> 3) & 7;
    else
        granted = st.st_mode & 7;
    if ((mode & granted) != mode) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
    return check_access(dirfd, path, mode, flags);
}

int access(const char *path, int mode)
{
    return check_access(AT_FDCWD, path, mode, 0);
}

int eaccess(const char *path, int mode)
{
    return check_access(AT_FDCWD, path, mode, 0);
}

int euidaccess(const char *path, int mode)
{
    return check_access(AT_FDCWD, path, mode, 0);
}
