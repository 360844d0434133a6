iterations=3 .*
uid=1 euid=1 gid=1 egid=1 cpu=1 state=0 prio=0 nice=0 utime=1
