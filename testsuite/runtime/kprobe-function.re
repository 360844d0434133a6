iterations=100 .*
enough=1 same=1
