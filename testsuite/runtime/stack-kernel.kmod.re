backtrace=(0x[0-9a-f]{16} ){3}
 0x[0-9a-f]{16} : [A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[kernel\]
 0x[0-9a-f]{16} : do_syscall_64\+0x[0-9a-f]+/0x[0-9a-f]+ \[kernel\]
 0x[0-9a-f]{16} : entry_SYSCALL_64[A-Za-z0-9_]*\+0x[0-9a-f]+/0x[0-9a-f]+ \[kernel\]
[A-Za-z0-9_.]+\+0x[0-9a-f]+ \[kernel\]
do_syscall_64\+0x[0-9a-f]+ \[kernel\]
entry_SYSCALL_64[A-Za-z0-9_]*\+0x[0-9a-f]+ \[kernel\]
entry: do_syscall_64\+0x[0-9a-f]+/0x[0-9a-f]+ \[kernel\]
frames: 3
