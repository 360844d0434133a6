# The translator: driver, front end (pass 1) and elaboration (pass 2).
noinst_LIBRARIES += translator/libtapirfront.a
translator_libtapirfront_a_SOURCES = \
	translator/tapir.h \
	translator/arena.c \
	translator/diag.c \
	translator/kconfig.c \
	translator/lex.c \
	translator/preprocess.c \
	translator/parse.c \
	translator/ast.c \
	translator/print.c \
	translator/session.c

bin_PROGRAMS += tapir
tapir_SOURCES = translator/main.c translator/options.c translator/options.h
tapir_LDADD = translator/libtapirfront.a $(LIBDW_LIBS) $(LIBELF_LIBS) $(LIBBPF_LIBS) $(ZLIB_LIBS)
