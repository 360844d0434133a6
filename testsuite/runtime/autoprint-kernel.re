iterations=1000 .*
n=1000
by_name\["getppid_loop"\]=1000
