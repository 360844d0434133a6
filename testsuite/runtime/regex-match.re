iterations=4 .*
1 0 1 0
1 1 0 1
1 0 1
hits=4 misses=0
