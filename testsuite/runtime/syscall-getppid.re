iterations=5 .*
n=5 empty=5 nd=5 same=5 names=5
