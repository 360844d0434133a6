iterations=1000 .*
getppid_loop 1 1: 1000
