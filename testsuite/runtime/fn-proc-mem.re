iterations=1 .*
kernel: 1 1 1 1 1 1 \[1\.50K\]
pid: 1 1, no such pid: 0
\[  512\] \[1\.50K\] \[12\.5M\] \[ 123G\] \[12\.0K\] \[1023K\]
1
size ok
