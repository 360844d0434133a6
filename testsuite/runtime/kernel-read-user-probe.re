iterations=3 .*
comm=1 n=1 char=1
tgid=1
kernel long copy fault at 0x8 \[man error::fault\]
bad
