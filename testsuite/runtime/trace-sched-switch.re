iterations=1000 .*
out>0:1 in>0:1
