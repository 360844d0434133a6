iterations=1 .*
begin: 1 1 1
zone: [A-Za-z][A-Za-z0-9:+-]* -?[0-9]+
kernel: 1 1 1
