iterations=200000 .*
iterations=200000 .*
n=400000 count=400000 sum=800000 min=2 max=2
200000
200000
