iterations=1000 .*
n=0x3e8
by_name\["getppid_loop"\]=0x3e8
