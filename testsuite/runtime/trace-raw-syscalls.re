iterations=1000 .*
n=1000
