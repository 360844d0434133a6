iterations=1000 .*
n=1000 entries=4
