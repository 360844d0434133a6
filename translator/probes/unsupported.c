/* unsupported.c - why a probe family SystemTap has is not resolved by
 * tapir, for the hint under "probe point not resolved". Families that
 * need what only SystemTap's own kernel module did (netfilter hooks,
 * DWARF statements of the kernel) say so instead of the
 * generic list of what tapir resolves. */
#include <string.h>

#include "elab.h"

struct unsupported {
	const char *prefix; /* the point's text starts with it */
	const char *why;
};

static const struct unsupported unsupported_families[] = {
	{ "netfilter.", "netfilter.* probes register netfilter hooks from SystemTap's kernel "
			"module; tapir has no netfilter provider yet (on the BPF runtime they "
			"would need BPF_PROG_TYPE_NETFILTER links, Linux 6.4+)" },
	{ "kernel.statement", "kernel.statement probes need the kernel's DWARF (line tables), "
			      "which tapir does not read; probe the function instead: "
			      "kernel.function(\"NAME\")" },
	{ "module(", "module(...).statement probes need the module's DWARF, which tapir does "
		     "not read" },
	{ "nfsd.", "nfsd.* probes are on the functions of the nfsd module, which this kernel "
		   "does not have loaded (or built)" },
	{ "ipmib.", "ipmib.* (SNMP IP counters) is not in tapir's tapset library yet" },
	{ "tcpmib.", "tcpmib.* (SNMP TCP counters) is not in tapir's tapset library yet" },
	{ "linuxmib.", "linuxmib.* (Linux TCP counters) is not in tapir's tapset library yet" },
};

/* The reason point (its text) is not resolved, or NULL for none known. */
const char *probe_unsupported_reason(const char *point)
{
	for (size_t i = 0; i < sizeof(unsupported_families) / sizeof(unsupported_families[0]); i++)
		if (!strncmp(point, unsupported_families[i].prefix,
			     strlen(unsupported_families[i].prefix)))
			return unsupported_families[i].why;
	return NULL;
}
