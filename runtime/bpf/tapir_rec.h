/* tapir_rec.h - what travels from BPF programs to the executor, and the
 * layouts both sides of a generated program share. Included by the BPF
 * side (clang -target bpf, with vmlinux.h) and the user side (cc).
 *
 * Records go through one BPF ring buffer map named "tapir_events". Each is
 * a struct tapir_rec header followed by its payload:
 *   TAPIR_REC_PRINTF  id = format index; payload: the arguments in order,
 *                     a long as 8 bytes (little endian int64), a string as
 *                     a u16 length then that many bytes (no NUL), a %m or
 *                     %M value as its address (8 bytes) then the bytes
 *                     read there at probe time as a string (fewer than
 *                     the directive prints: a read fault, reported).
 *   TAPIR_REC_PRINT   payload: raw bytes to write as they are (len in hdr).
 *   TAPIR_REC_EXIT    exit() was called; no payload.
 *   TAPIR_REC_ERROR   id = index of the probe's location in the error
 *                     table; payload: the message bytes (len in hdr).
 *                     The executor prints "ERROR: msg near LOC", counts it
 *                     against MAXERRORS, runs the error probes.
 *   TAPIR_REC_WARN    payload: the message; printed "WARNING: msg".
 *   TAPIR_REC_SYSTEM  payload: a command the executor runs with /bin/sh
 *                     once the probe is done (system()).
 *   TAPIR_REC_PRINTK  id = the log level; payload: a line for the
 *                     kernel's log, written to /dev/kmsg (printk()).
 *   TAPIR_REC_SWITCH_FILE  no payload: -o's output goes on in the next
 *                     file (switch_file()).
 *   TAPIR_REC_HIST    id = the statistic's index (stat_maps); payload: its
 *                     histogram merged over CPUs at probe time, one
 *                     8-byte count a bucket: print(@hist_*(s)) in a kernel
 *                     probe, printed by the executor in its place in the
 *                     output.
 */
#ifndef TAPIR_REC_H
#define TAPIR_REC_H

#ifndef __bpf__
#include <stdint.h>
typedef uint32_t tapir_u32;
typedef uint16_t tapir_u16;
typedef int64_t tapir_s64;
#else
typedef __u32 tapir_u32;
typedef __u16 tapir_u16;
typedef __s64 tapir_s64;
#endif

enum tapir_rec_kind {
	TAPIR_REC_PRINTF = 1,
	TAPIR_REC_PRINT,
	TAPIR_REC_EXIT,
	TAPIR_REC_ERROR,
	TAPIR_REC_WARN,
	TAPIR_REC_SYSTEM,
	TAPIR_REC_PRINTK,
	TAPIR_REC_SWITCH_FILE,
	TAPIR_REC_HIST,
};

struct tapir_rec {
	tapir_u32 kind; /* enum tapir_rec_kind */
	tapir_u32 id;
	tapir_u32 len;  /* payload bytes */
	tapir_u32 cpu;
};

/* Largest record payload: MAXSTRINGLEN is at most 1024; 32 arguments. */
#define TAPIR_REC_MAX 8192

/* Counters the BPF side keeps in its .bss (struct tapir_state), read by the
 * executor at the end. */
struct tapir_state {
	tapir_s64 dropped;   /* records the ring buffer had no room for */
	tapir_s64 exiting;   /* exit() was called: probes stop doing work */
	tapir_s64 errors;    /* run-time errors reported */
	tapir_s64 skipped;   /* probe hits skipped (MAXERRORS reached...) */
	tapir_s64 target;    /* target(): the -c/-x pid, set by the executor */
	tapir_s64 maxerrors; /* MAXERRORS, set by the executor: the error past
			      * it stops the kernel probes at once */
};

#endif /* TAPIR_REC_H */
