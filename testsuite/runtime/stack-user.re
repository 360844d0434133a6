ubacktrace=(0x[0-9a-f]{16} ){4}
 0x[0-9a-f]{16} : us_leaf\+0x[0-9a-f]+/0xf \[/.*/testsuite/progs/ustack_prog\]
 0x[0-9a-f]{16} : us_mid\+0x[0-9a-f]+/0x19 \[/.*/testsuite/progs/ustack_prog\]
 0x[0-9a-f]{16} : main\+0x[0-9a-f]+/0x2b \[/.*/testsuite/progs/ustack_prog\]
 0x[0-9a-f]{16} : .*\[/.*libc\.so\.6.*\]
us_leaf\+0x[0-9a-f]+ \[ustack_prog\]
us_mid\+0x[0-9a-f]+ \[ustack_prog\]
main\+0x[0-9a-f]+ \[ustack_prog\]
.*\[libc\.so\.6.*\]
usymname=us_leaf usymdata=us_leaf\+0x[0-9a-f]+/0xf \[/.*/testsuite/progs/ustack_prog\] umodname=ustack_prog
user_mode=1 addr=0
