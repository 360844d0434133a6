iterations=1 .*
argc=3 argv\[1\]=one argv\[2\]=two argv\[3\]=3 argv\[4\]=\[\] argv_2=two argv_32=\[\]
in argv: 1 1 0
kernel: one 3
