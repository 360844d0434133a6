iterations=500 .*
1 getppid_loop 3 four 1 six 7 eight 9: 500
