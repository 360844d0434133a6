iterations=100 .*
n=100 tid==pid:100 cpu>=0:100
