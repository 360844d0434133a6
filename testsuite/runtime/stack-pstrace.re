\[ getppid_loop\([0-9]+\)( [^ ]+\([0-9]+\))* .*\]
first=yes
