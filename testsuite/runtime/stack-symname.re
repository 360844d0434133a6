kernel: do_syscall_64 do_syscall_64 0x0000000000000000
kernel: do_syscall_64\+0x5/0x[0-9a-f]+ \[kernel\] kernel
end: do_syscall_64 do_syscall_64 0x0000000000000000
end: do_syscall_64\+0x5/0x[0-9a-f]+ \[kernel\] kernel
end: compares: 1
end:  0x[0-9a-f]{16} : do_syscall_64\+0x0/0x[0-9a-f]+ \[kernel\]
 0x[0-9a-f]{16} : do_syscall_64\+0x10/0x[0-9a-f]+ \[kernel\]
