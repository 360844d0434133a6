iterations=1000 .*
getppid_loop 1000
