3 hits:
[A-Za-z0-9_.]+\+0x[0-9a-f]+ \[kernel\]
[A-Za-z0-9_.]+\+0x[0-9a-f]+ \[kernel\]
?? __traceiter_[A-Za-z0-9_]+\+0x[0-9a-f]+ \[kernel\]
[A-Za-z0-9_.]+\+0x[0-9a-f]+ \[kernel\]
do_syscall_64\+0x[0-9a-f]+ \[kernel\]
entry_SYSCALL_64[A-Za-z0-9_]*\+0x[0-9a-f]+ \[kernel\]
