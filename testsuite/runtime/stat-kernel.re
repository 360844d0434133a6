iterations=1000 .*
n=1000 count=1000 sum=4500 min=0 max=9 avg=4
