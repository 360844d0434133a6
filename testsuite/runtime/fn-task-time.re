iterations=3 .*
1m2\.003s 0m1\.000001s 2m3\.456789012s 0m3\.000s
5 5000
pid2task=1 stime=1 utime=1 tid: 1 1 1 name=getppid_loop none: 0 0 \[\]
usr: [0-9]+m[0-9]+\.[0-9]{3}s, sys: [0-9]+m[0-9]+\.[0-9]{3}s
