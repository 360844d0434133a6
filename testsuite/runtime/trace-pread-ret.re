iterations=500 .*
count=500 sum=32000 min=64 max=64 left=0
