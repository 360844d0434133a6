iterations=1000 .*
n=1000 same=1000
