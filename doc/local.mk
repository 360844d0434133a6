# doc: the man pages, installed and distributed.
dist_man_MANS += doc/tapir.1 doc/tapir-lang.7
