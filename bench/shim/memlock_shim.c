/*
 * LD_PRELOAD shim for peers that insist on raising RLIMIT_MEMLOCK.
 *
 * stapbpf (systemtap 4.8) aborts with "could not increase map resource
 * limit" when setrlimit(RLIMIT_MEMLOCK, infinity) fails, which it does
 * without CAP_SYS_RESOURCE.  Since Linux 5.11 BPF memory is charged to
 * the memory cgroup and RLIMIT_MEMLOCK no longer matters, so a failure
 * to raise it is harmless: report success instead.  Every other resource,
 * and every success, goes through unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef int setrlimit_fn(__rlimit_resource_t, const struct rlimit *);
typedef int prlimit_fn(pid_t, __rlimit_resource_t, const struct rlimit *,
		       struct rlimit *);

static int memlock_forgive(int resource, int rc)
{
	if (rc != 0 && resource == RLIMIT_MEMLOCK && errno == EPERM) {
		errno = 0;
		return 0;
	}
	return rc;
}

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	setrlimit_fn *real = (setrlimit_fn *)dlsym(RTLD_NEXT, "setrlimit");

	return memlock_forgive(resource, real(resource, rlim));
}

int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rlim)
{
	setrlimit_fn *real = (setrlimit_fn *)dlsym(RTLD_NEXT, "setrlimit64");

	return memlock_forgive(resource, real(resource, (const void *)rlim));
}

int prlimit(pid_t pid, __rlimit_resource_t resource,
	    const struct rlimit *new_limit, struct rlimit *old_limit)
{
	prlimit_fn *real = (prlimit_fn *)dlsym(RTLD_NEXT, "prlimit");

	return memlock_forgive(resource,
			       real(pid, resource, new_limit, old_limit));
}

int prlimit64(pid_t pid, __rlimit_resource_t resource,
	      const struct rlimit64 *new_limit, struct rlimit64 *old_limit)
{
	prlimit_fn *real = (prlimit_fn *)dlsym(RTLD_NEXT, "prlimit64");

	return memlock_forgive(resource,
			       real(pid, resource, (const void *)new_limit,
				    (void *)old_limit));
}
