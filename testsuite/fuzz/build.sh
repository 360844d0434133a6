#!/bin/sh
# Build the libFuzzer targets for pass 1 and pass 2 (see README.md) into $1, by default
# build-fuzz/ at the top of the tree, straight from the sources: the
# translator's files except the driver (main.c, options.c), the probe
# providers and runtime/common (the printf format checker), archived so
# that the linker keeps only what the front end uses. Needs clang and libclang-rt (Debian: clang, libclang-rt-14-dev).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build-fuzz}
CC=${CC:-clang}
mkdir -p "$out/obj"
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer $san -I$top/translator -I$top/runtime/common"
cflags="$cflags $(pkg-config --cflags libbpf libdw 2>/dev/null || true)"
rm -f "$out/libfront.a" "$out"/obj/*.o
for c in "$top"/translator/*.c "$top"/translator/probes/*.c "$top"/runtime/common/*.c; do
	case "$(basename "$c")" in main.c|options.c) continue ;; esac
	o=$out/obj/$(basename "$(dirname "$c")")_$(basename "$c" .c).o
	# shellcheck disable=SC2086
	$CC $cflags -DTAPIR_SRCDIR="\"$top\"" -DTAPIR_DATADIR="\"$top\"" -c "$c" -o "$o"
done
ar rcs "$out/libfront.a" "$out"/obj/*.o
for t in fuzz_parse fuzz_elab; do
	# shellcheck disable=SC2086
	$CC $cflags -fsanitize=fuzzer "$top/testsuite/fuzz/$t.c" "$out/libfront.a" \
		$(pkg-config --libs libbpf libdw libelf zlib 2>/dev/null || true) -o "$out/$t"
	echo "$out/$t"
done
