/* options.h - tapir's command line: SystemTap's options, parsed into one
 * struct that the driver reads.
 *
 * The accepted syntax is stap's (GNU getopt_long, options may follow the
 * script name, "--" ends them): the first non-option argument names the
 * script unless -e, -l or -L gave one, and the rest are script arguments.
 * Strings point into argv, or into storage that lives until opt_free.
 */
#ifndef TAPIR_OPTIONS_H
#define TAPIR_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The SystemTap language and tapset level tapir follows; also the default
 * of --compatible, as stap's own version is for stap. */
#define OPT_LANGUAGE_LEVEL "4.8"

enum opt_runtime { RUNTIME_KMOD, RUNTIME_BPF };

struct opt_define {
	const char *name, *value; /* -D NAME=VALUE; value "1" for a bare -D NAME */
};

struct options {
	const char *script_file;   /* path, "-" for stdin, NULL with -e, -l, -L, --dump-* */
	const char *script_text;   /* -e */
	const char **extra_scripts; int n_extra_scripts; /* -E, in order */
	const char **args; int nargs; /* script arguments $1.. */
	int last_pass;             /* -p N, 1..5; 5 by default, 2 with -l/-L/--dump-* */
	bool last_pass_given;      /* -p was on the command line */
	int verbose;               /* count of -v */
	int perpass_verbose[5];    /* -v for every pass plus --vp digits */
	bool keep_tmp;             /* -k */
	const char *module_name;   /* -m, without a trailing ".ko" */
	const char *output_file;   /* -o */
	const char *target_cmd;    /* -c */
	int target_pid;            /* -x, 0 if none */
	bool guru;                 /* -g */
	bool no_warnings;          /* -w; also set by -l and -L, as stap does */
	bool warnings_as_errors;   /* -W */
	bool unoptimized;          /* -u; also set by -L, which keeps unused variables */
	bool skip_badvars;         /* --skip-badvars: unreadable $vars read 0 */
	bool no_global_display;    /* --no-global-var-display: no end-of-run globals */
	struct opt_define *defines; int ndefines; /* -D, in order; a later one wins */
	const char **include_dirs; int ninclude_dirs; /* -I, in order */
	const char **globals_set; int nglobals_set; /* -G NAME=VALUE, in order; a later one wins */
	const char **kbuild_opts; int nkbuild_opts; /* -B, kbuild make arguments, in order */
	const char **sym_paths; int nsym_paths; /* -d: binaries whose symbols the module carries */
	bool ldd;                  /* --ldd: and the libraries of the probed binaries */
	bool all_modules;          /* --all-modules: accepted (kallsyms names modules' code) */
	const char **modinfo; int nmodinfo; /* --modinfo NAME=VALUE (kmod) */
	const char *tmpdir;        /* --tmpdir: where pass 3's folder goes; NULL: /tmp */
	const char *rotate;        /* -S SIZE[,N], checked; needs -o */
	bool suppress_handler_errors; /* every handler in try {} catch {}, no MAXSKIPPED */
	bool suppress_time_limits; /* no MAXACTION */
	const char *kernel_release; /* -r as given (a release or a build dir), else
				     * $SYSTEMTAP_RELEASE, else NULL (the running kernel) */
	const char *kernel_build_dir; /* -r DIR (an argument holding a '/'); NULL otherwise */
	const char *list_pattern;  /* -l or -L */
	bool list_vars;            /* -L */
	bool timing;               /* -t */
	int timeout_secs;          /* -T, rounded up to whole seconds; 0 if none */
	int64_t timeout_ms;        /* -T in milliseconds (-T accepts 0.5); 0 if none */
	int bufsize_mb;            /* -s, 1..4095; 0 if none */
	bool bulk;                 /* -b */
	enum opt_runtime runtime;  /* --runtime, --bpf; KMOD by default, as stap */
	bool dump_functions, dump_probe_aliases, dump_probe_types;
	const char *compatible;    /* --compatible=VERSION; OPT_LANGUAGE_LEVEL by default */
	const char *privilege;     /* --privilege: "stapusr", "stapsys" or "stapdev" (default) */
	/* --compare (compare.c) */
	bool compare;
	const char *runtime_list;  /* --runtime=A,B (only with --compare); NULL if one */
	bool runtime_given;        /* --runtime or --bpf was on the command line */
	int compare_runs;          /* --compare-runs N; 0: the default */
	bool compare_json;         /* --json */
	const char *compare_svg;   /* --svg FILE */
};

/* Parse argv. Returns 0 to go on, or an exit status (0 after --help/--version
 * printed, 1 on a usage error printed to stderr as "tapir: ..."), via *exit_now. */
int opt_parse(int argc, char **argv, struct options *o, bool *exit_now);
void opt_usage(FILE *out);
void opt_version(FILE *out);
/* Value of -D NAME, or NULL. */
const char *opt_define(const struct options *o, const char *name);
/* The runtime's name as scripts test it: "kernel" or "bpf" (%( runtime == ... %)). */
/* The run's options as the executors take them (the bpf artifact and
 * tapir-load): -o, -S, -c, -x, -T, -v; at most OPT_RUN_ARGS entries put
 * at argv, their count returned. */
#define OPT_RUN_ARGS 13
struct arena;
int opt_run_args(const struct options *o, struct arena *a, const char **argv);
const char *opt_runtime_name(enum opt_runtime r);

/* Refuse what needs a pass this build lacks: a listing mode (pass 2), -p
 * beyond last_implemented, or an option that acts in a pass that would run
 * but does not exist yet (-c, -x, -o ... need pass 5). Prints
 * "tapir: ...: not implemented yet ..." and returns 1, or returns 0. An
 * option whose pass lies after -p N is accepted, as stap accepts it. */
int opt_check_implemented(const struct options *o, int last_implemented);

/* Release what opt_parse allocated; the strings from argv stay. */
void opt_free(struct options *o);

#endif /* TAPIR_OPTIONS_H */
