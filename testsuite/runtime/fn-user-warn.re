iterations=2 .*
120 120 30840 30840 2021161080 2021161080 8680820740569200760 8680820740569200760 30840 1
120 30840 30840 2021161080 1 1
"xxx" "xxx"\.\.\. 0x0 \[\]
0 0 0
user int copy fault at 0x0 \[man error::fault\]
user char copy fault at 0x1 \[man error::fault\]
