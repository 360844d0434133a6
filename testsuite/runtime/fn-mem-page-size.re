iterations=1 .*
begin: 1
kernel: 1
