iterations=3000 .*
ticks=3000 sum=4498500 others=0 main=1
